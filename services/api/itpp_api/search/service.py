"""The search: records of every kind the caller may see, across the caller's plans, ranked.

The index (`search_entry`, kept by triggers) holds every record of every party; what a caller
sees of it is decided here by the policy's filters, in the same query that matches and ranks:
the plans of the caller's party (`party_plans`), and for the records that can be internal,
commitments and exchanges, the policy's `visible_commitments` and `visible_exchanges`. A
record the caller may not see is not matched, ranked or counted, so a word found only in
another party's internal record answers exactly as a word found nowhere.
"""

import re
import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import String, and_, bindparam, case, func, literal_column, or_, select, text
from sqlalchemy.orm import Session

from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.commitments.models import Commitment
from itpp_api.db import table_of
from itpp_api.exchanges.models import Exchange
from itpp_api.pagination import SortOrder, apply_keyset, next_cursor
from itpp_api.plans.models import Plan
from itpp_api.search.models import SearchEntry
from itpp_api.search.schemas import SearchField, SearchKind

QUERY_MAX = 200
LIMIT_MAX = 50
# Shorter queries than this are matched by LIKE: a trigram index has nothing to look up.
TRIGRAM = 3
# The characters of context kept on each side of the first match in a snippet.
CONTEXT = 60

_E = table_of(SearchEntry).c
_P = table_of(Plan).c
_C = table_of(Commitment).c
_X = table_of(Exchange).c

API = "/api/v1"
HREFS = {
    SearchKind.PLAN: f"{API}/plans/{{id}}",
    SearchKind.PRIORITY_AREA: f"{API}/priority-areas/{{id}}",
    SearchKind.COMMITMENT: f"{API}/commitments/{{id}}",
    SearchKind.EXCHANGE: f"{API}/exchanges/{{id}}",
    SearchKind.REVIEW: f"{API}/reviews/{{id}}",
    SearchKind.AMENDMENT: f"{API}/amendments/{{id}}",
}

# Rank: the reference itself, then a title, then a reference containing the text, then the
# body. Within a rank, the order is the records' ids (stable: a page never repeats a result).
RANK_REFERENCE = 8
RANK_TITLE = 4
RANK_IN_REFERENCE = 2
RANK_BODY = 1


def like_pattern(q: str) -> str:
    """`q` as a LIKE pattern (escaped with a backslash): the text anywhere."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(q: str) -> str:
    """The query as one FTS5 phrase: with the trigram tokenizer, the text anywhere."""
    return '"' + q.replace('"', '""') + '"'


def _rank(q: str) -> Any:
    pattern = like_pattern(q)
    return case(
        (func.lower(_E.reference) == q.lower(), RANK_REFERENCE),
        (
            or_(
                _E.title_ja.ilike(pattern, escape="\\"),
                _E.title_en.ilike(pattern, escape="\\"),
            ),
            RANK_TITLE,
        ),
        (_E.reference.ilike(pattern, escape="\\"), RANK_IN_REFERENCE),
        else_=RANK_BODY,
    )


def is_short(q: str) -> bool:
    """Whether `q` is too short for the trigram index (matched by LIKE, a scan)."""
    return len(q) < TRIGRAM


def indexed_match(dialect: str, q: str | None = None, *, short: bool = False) -> Any:
    """The criterion "the search entry's text contains the query", in any case, served by the
    index: the query bound here when given, else left as a parameter for a statement built
    once and run many times (its value from `match_parameters`)."""
    if q is not None:
        short = is_short(q)
    if dialect == "sqlite" and not short:
        phrase = (
            bindparam("search_phrase")
            if q is None
            else bindparam("search_phrase", _fts_phrase(q), type_=String())
        )
        in_index: Any = select(literal_column("rowid")).select_from(text("search_fts"))
        return _E.id.in_(in_index.where(text("search_fts MATCH :search_phrase").bindparams(phrase)))
    pattern = (
        bindparam("search_pattern")
        if q is None
        else bindparam("search_pattern", like_pattern(q), type_=String())
    )
    return _E.document.ilike(pattern, escape="\\")


def match_parameters(q: str, dialect: str) -> dict[str, str]:
    """The parameter values of an `indexed_match` built without the query."""
    if dialect == "sqlite" and not is_short(q):
        return {"search_phrase": _fts_phrase(q)}
    return {"search_pattern": like_pattern(q)}


def matching_records(kind: SearchKind, dialect: str, *, short: bool) -> Any:
    """The ids of the records of `kind` in the plan `plan_id` (a parameter) whose reference,
    titles or bodies contain the query (parameters from `match_parameters`): the lists' `q`.
    Visibility is the caller's: this only says which records' text matches."""
    return select(_E.record_id).where(
        _E.kind == kind.value,
        _E.plan_id == bindparam("plan_id"),
        indexed_match(dialect, short=short),
    )


def _matches(q: str, dialect: str) -> Any:
    """The criterion "the record's text contains q", in any case, served by the index."""
    return indexed_match(dialect, q)


def search(
    *,
    session: Session,
    actor: Actor,
    q: str,
    kinds: Collection[SearchKind] = (),
    plan_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> dict[str, Any]:
    """A page of the records matching `q` that the actor may see, best first."""
    dialect = session.get_bind().dialect.name
    rank = _rank(q).label("rank")
    order = SortOrder(name="rank", key=rank, id_column=_E.record_id, descending=True, key_type=int)
    source = (
        table_of(SearchEntry)
        .join(table_of(Plan), _P.id == _E.plan_id)
        .outerjoin(
            table_of(Commitment),
            and_(_E.kind == SearchKind.COMMITMENT.value, _C.id == _E.record_id),
        )
        .outerjoin(
            table_of(Exchange),
            and_(_E.kind == SearchKind.EXCHANGE.value, _X.id == _E.record_id),
        )
    )
    statement = (
        select(
            _E.kind,
            _E.record_id,
            _E.plan_id,
            _P.reference.label("plan_reference"),
            _E.reference,
            _E.title_ja,
            _E.title_en,
            _E.body_ja,
            _E.body_en,
            rank,
        )
        .select_from(source)
        .where(
            _matches(q, dialect),
            or_(_C.id.is_(None), policy.visible_commitments(_C, actor)),
            or_(_X.id.is_(None), policy.visible_exchanges(_X, actor)),
        )
    )
    if not actor.is_system:
        statement = statement.where(_E.plan_id.in_(policy.party_plans(policy.viewer_party(actor))))
    if kinds:
        statement = statement.where(_E.kind.in_([kind.value for kind in kinds]))
    if plan_id is not None:
        statement = statement.where(_E.plan_id == plan_id)
    statement = apply_keyset(statement, order, cursor, limit)
    rows = list(session.execute(statement))
    page, cursor_after = next_cursor(rows, order, limit, key_of="rank", id_of="record_id")
    return {"items": [_result(row, q) for row in page], "next_cursor": cursor_after}


def _result(row: Any, q: str) -> dict[str, Any]:
    kind = SearchKind(row.kind)
    title = {lang: value for lang, value in (("ja", row.title_ja), ("en", row.title_en)) if value}
    return {
        "kind": kind.value,
        "id": row.record_id,
        "plan": {"id": row.plan_id, "reference": row.plan_reference},
        "reference": row.reference,
        "title": title,
        "snippet": snippet(row, q),
        "href": HREFS[kind].format(id=row.record_id),
    }


def snippet(row: Any, q: str) -> dict[str, Any]:
    """The passage around the first match of `q` (in the title, then the body, then the
    reference), with every match in it as offsets: plain text, never markup."""
    needle = re.compile(re.escape(q), re.IGNORECASE)
    fields = (
        (SearchField.TITLE, "ja", row.title_ja),
        (SearchField.TITLE, "en", row.title_en),
        (SearchField.BODY, "ja", row.body_ja),
        (SearchField.BODY, "en", row.body_en),
        (SearchField.REFERENCE, None, row.reference),
    )
    for field, language, value in fields:
        first = needle.search(value or "")
        if first is None:
            continue
        start = max(0, first.start() - CONTEXT)
        end = min(len(value), first.end() + CONTEXT)
        passage = value[start:end]
        prefix = "…" if start > 0 else ""
        suffix = "…" if end < len(value) else ""
        shift = len(prefix)
        highlights = [
            {"start": match.start() + shift, "end": match.end() + shift}
            for match in needle.finditer(passage)
        ]
        return {
            "field": field.value,
            "language": language,
            "text": f"{prefix}{passage}{suffix}",
            "highlights": highlights,
        }
    # Matched by the index but not by the exact comparison (a case folding only one of them
    # knows): the title, unmarked.
    language, value = ("ja", row.title_ja) if row.title_ja else ("en", row.title_en)
    return {"field": SearchField.TITLE.value, "language": language, "text": value, "highlights": []}
