"""Schemathesis hooks for tests/contract/test_fuzz.py, loaded by the schemathesis process
through SCHEMATHESIS_HOOKS.

Credentials. The fuzzer signs in as ITPP_FUZZ_USER_ID (an admin of Japan in the sample
deployment) with session tokens made directly in the database at ITPP_DATABASE_URL:

- Every operation but sign-out uses one token, made again after an answer is 401. The fuzzer
  may legitimately end its own token: revoking it (`revokeToken` with an id it listed) ends
  it (the admin routes refuse an admin's own account: 403).
- Sign-out (`deleteCurrentToken`) ends the token it is sent with, so every call gets a
  throwaway token of its own: the operation is fuzzed like any other without cutting off the
  rest of the run.

Reaching the logic. Generated requests alone rarely get past the first check, so, just before
each request of every phase (after generation: the reproduction command of a failure shows
what was actually sent):

- Identifiers that are well-formed UUIDs (and the codes that the list filters take) are, half
  of the time, replaced by those of records of the sample deployment: plans, priority areas,
  commitments, milestones, exchanges, users, parties, organisations. Random UUIDs only ever
  find nothing (404), and a new plan between random parties is refused (403). Malformed
  identifiers are left alone: they test validation.
- Updates and cancellations need the record's ETag in If-Match, which a fuzzer cannot know:
  half of the If-Match values become the current ETag of the record the path names (read from
  the database), so PATCH and DELETE get past 412/428 to the update rules. (`*` would not do:
  the API refuses it, since it would switch lost-update protection off.)
- Three Idempotency-Keys in four become fresh UUIDs: the few short keys a fuzzer generates
  would otherwise mostly collide with a key used for another request (422
  idempotency-key-reused: correct, but it tests nothing else). The rest are sent as
  generated, so replays and reuse are fuzzed too.
"""

import itertools
import os
import random
import re
import uuid
from typing import Any

import schemathesis
from sqlmodel import select

from itpp_api.amendments.models import Amendment
from itpp_api.auth.models import User
from itpp_api.commitments.models import Commitment, Milestone
from itpp_api.db import transaction
from itpp_api.exchanges.models import Exchange
from itpp_api.parties.models import Organisation, Party
from itpp_api.plans.models import Plan, PriorityArea
from itpp_api.reviews.models import ReviewCycle, ReviewItem
from itpp_api.wire import make_etag
from tests.factories import token_for

FUZZ_USER = uuid.UUID(os.environ["ITPP_FUZZ_USER_ID"])
SIGN_OUT = "deleteCurrentToken"
_chance = random.Random(os.environ.get("ITPP_FUZZ_SEED"))
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")


# --- credentials ----------------------------------------------------------------------------


def _bearer(case: Any, token: str) -> None:
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


# Cached for the whole run and made again after a 401 (schemathesis's `retry_on` default).
@schemathesis.auth(refresh_interval=24 * 3600).skip_for(operation_id=SIGN_OUT)
class FuzzerToken:
    def get(self, case: Any, context: Any) -> str:
        return token_for(FUZZ_USER)

    def set(self, case: Any, data: str, context: Any) -> None:
        _bearer(case, data)


@schemathesis.auth(refresh_interval=None).apply_to(operation_id=SIGN_OUT)
class ThrowawayToken:
    def get(self, case: Any, context: Any) -> str:
        return token_for(FUZZ_USER)

    def set(self, case: Any, data: str, context: Any) -> None:
        _bearer(case, data)


# --- records of the deployment --------------------------------------------------------------


def _known_values() -> dict[str, list[str]]:
    """Ids (and codes) of the deployment's records by kind; those of active plans first."""
    with transaction(write=False) as session:
        active = set(session.scalars(select(Plan.id).where(Plan.status == "active")))

        def ordered(rows: Any) -> list[str]:
            return [str(i) for i, plan in sorted(rows, key=lambda r: (r[1] not in active, r[0]))]

        def ids(model: Any) -> list[str]:
            return sorted(str(i) for i in session.scalars(select(model.id)))

        def codes(model: Any) -> list[str]:
            return sorted(session.scalars(select(model.code)))

        commitments = session.execute(select(Commitment.id, Commitment.plan_id)).all()
        plan_of = dict(commitments)
        milestones = session.execute(select(Milestone.id, Milestone.commitment_id)).all()
        known = {
            "plan": ordered(session.execute(select(Plan.id, Plan.id)).all()),
            "area": ordered(session.execute(select(PriorityArea.id, PriorityArea.plan_id)).all()),
            "commitment": ordered(commitments),
            "milestone": ordered([(m, plan_of[c]) for m, c in milestones]),
            "exchange": ordered(session.execute(select(Exchange.id, Exchange.plan_id)).all()),
            "user": ids(User),
            "party": ids(Party),
            "organisation": ids(Organisation),
            "area_code": codes(PriorityArea),
            "party_code": codes(Party),
            "organisation_code": codes(Organisation),
        }
    known["any"] = known["plan"] + known["area"] + known["commitment"]
    return known


KNOWN = _known_values()
# Parameter or top-level body field -> the kind of record it names. The list filters
# (`priority_area`, `lead_party`, `party`, `organisation`) take ids or codes.
KINDS = {
    "plan_id": "plan",
    "predecessor_id": "plan",
    "area_id": "area",
    "priority_area_id": "area",
    "priority_area_ids": "area",
    "priority_area": "area_code",
    "commitment_id": "commitment",
    "commitment_ids": "commitment",
    "milestone_id": "milestone",
    "exchange_id": "exchange",
    "user_id": "user",
    "actor_user_id": "user",
    "party_id": "party",
    "party_ids": "party",
    "lead_party_id": "party",
    "from_party_id": "party",
    "to_party_id": "party",
    "lead_party": "party_code",
    "party": "party_code",
    "organisation": "organisation_code",
    "organisation_id": "organisation",
    "lead_organisation_id": "organisation",
    "from_organisation_id": "organisation",
    "to_organisation_id": "organisation",
    "host_organisation_id": "organisation",
    "supporting_organisation_ids": "organisation",
    "entity_id": "any",
}


def _pick(kind: str) -> str:
    """One known value, the first (an active plan's record) half of the time."""
    values = KNOWN[kind]
    return values[0] if _chance.random() < 0.5 else _chance.choice(values)


def _replaceable(kind: str, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    return kind.endswith("_code") or bool(_UUID.match(value))


def _use_known_records(container: Any) -> None:
    """Half of the time, put known ids in place of well-formed generated ones, in place."""
    if not isinstance(container, dict):
        return
    for name, value in container.items():
        kind = KINDS.get(name)
        if kind is None or not KNOWN.get(kind) or _chance.random() < 0.5:
            continue
        if isinstance(value, list) and value and all(_replaceable(kind, v) for v in value):
            container[name] = list(dict.fromkeys(_pick(kind) for _ in value))
        elif _replaceable(kind, value):
            container[name] = _pick(kind)


def _short_long_poll(case: Any) -> None:
    """`waitForPlanEvents` may wait up to `wait` seconds (25) for an event; the fuzzer reads an
    answer for 10 s at most, and a long wait tests nothing a short one does not. Valid waits
    become at most 1 s; invalid values are left to test validation."""
    if not str(getattr(case.operation, "path", "")).endswith("/events"):
        return
    query = case.query
    if isinstance(query, dict):
        wait = query.get("wait")
        if isinstance(wait, int | float) and not isinstance(wait, bool) and wait > 1:
            query["wait"] = 1


# The record a path's last id names, by the collection before it.
_RECORDS: dict[str, Any] = {
    "plans": Plan,
    "priority-areas": PriorityArea,
    "commitments": Commitment,
    "milestones": Milestone,
    "exchanges": Exchange,
    "reviews": ReviewCycle,
    "items": ReviewItem,
    "amendments": Amendment,
    "users": User,
}


def _current_etag(path: str) -> str | None:
    """The ETag of the record the path names, as the API would show it now (None if none)."""
    parts = [part for part in path.split("/") if part]
    if parts[-2:] == ["users", "me"]:
        collection, record_id = "users", str(FUZZ_USER)
    else:
        found = [(c, r) for c, r in itertools.pairwise(parts) if _UUID.match(r)]
        if not found:
            return None
        collection, record_id = found[-1]
    model = _RECORDS.get(collection)
    if model is None:
        return None
    with transaction(write=False) as session:
        record = session.get(model, uuid.UUID(record_id))
        if record is None:
            return None
        if isinstance(record, ReviewCycle):
            # A review's ETag is the reader's: it follows their own party's internal items.
            from itpp_api.reviews.service import reader_etag
            from tests.factories import actor_of

            return reader_etag(session=session, actor=actor_of(FUZZ_USER), review=record)
        return make_etag(record.id, record.row_version)


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Runs for every request of every phase, after generation and before sending."""
    _use_known_records(case.path_parameters)
    _use_known_records(case.query)
    _use_known_records(case.body)
    _short_long_poll(case)
    headers = case.headers
    if not headers:
        return
    if "If-Match" in headers and _chance.random() < 0.5:
        etag = _current_etag(case.formatted_path)
        if etag is not None:
            headers["If-Match"] = etag
    if "Idempotency-Key" in headers and _chance.random() < 0.75:
        headers["Idempotency-Key"] = str(uuid.uuid4())
