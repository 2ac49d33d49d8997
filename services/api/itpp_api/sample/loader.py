"""Loads the sample Japan–NATO plan (sample/content.py) through the ordinary services.

Idempotent: parties and organisations are matched by code and plans by reference, so loading
twice changes nothing. The current plan is approved about eight months before the day it is
loaded, so the demonstration always shows a plan in mid-term.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, select

from itpp_api.amendments.schemas import AmendmentCreate, AmendmentDecisionCreate
from itpp_api.amendments.service import decide as decide_amendment
from itpp_api.amendments.service import propose as propose_amendment
from itpp_api.audit import service as audit
from itpp_api.auth.actor import Actor
from itpp_api.auth.models import User
from itpp_api.auth.service import actor_for
from itpp_api.clock import today
from itpp_api.commitments.schemas import CommitmentCreate, CommitmentUpdate, MilestoneCreate
from itpp_api.commitments.service import create_commitment, get_commitment, update_commitment
from itpp_api.db import table_of, transaction
from itpp_api.enums import (
    CommitmentStatus,
    Decision,
    ExchangeKind,
    ExchangeStatus,
    Health,
    Modality,
    PlanStatus,
    ReviewOutcome,
    Role,
    Visibility,
)
from itpp_api.errors import AmendmentRequired
from itpp_api.exchanges.schemas import ExchangeCreate, Participant
from itpp_api.exchanges.service import create_exchange
from itpp_api.notifications.models import Notification
from itpp_api.parties.models import Organisation, Party
from itpp_api.parties.service import name_translations
from itpp_api.plans.changes import update_plan
from itpp_api.plans.models import Plan, PriorityArea
from itpp_api.plans.schemas import (
    ObjectivesLead,
    PlanCreate,
    PlanLeadTexts,
    PlanSection,
    PlanUpdate,
    PriorityAreaCreate,
)
from itpp_api.plans.service import create_area, create_plan
from itpp_api.reviews import service as reviews
from itpp_api.reviews.models import ReviewCycle
from itpp_api.reviews.schemas import AssessmentWrite, ReviewItemUpdate, ReviewUpdate
from itpp_api.sample import (
    amendments_content,
    australia,
    content,
    exchanges_content,
    reviews_content,
)
from itpp_api.sample.users import SampleLogin, create_sample_users, sample_email, save_logins

BACKGROUND = {"ja": "経緯", "en": "Background"}
SYSTEM = Actor.system()
_CONTENT_BY_REFERENCE = {c["reference"]: c for c in content.COMMITMENTS}


@dataclass(frozen=True)
class LoadResult:
    """What a load did."""

    created: bool
    plan_reference: str
    commitments: int
    logins: list[SampleLogin] = field(default_factory=list)


def _parties(session: Session) -> tuple[dict[str, Party], dict[str, Organisation]]:
    parties = {p.code: p for p in session.scalars(select(Party))}
    for entry in content.PARTIES:
        if entry["code"] not in parties:
            name = dict(entry["name"])
            party = Party(code=entry["code"], name=name, translations=name_translations(name, {}))
            session.add(party)
            parties[party.code] = party
    session.flush()
    organisations = {o.code: o for o in session.scalars(select(Organisation))}
    for org in content.ORGANISATIONS:
        if org["code"] not in organisations:
            name = dict(org["name"])
            organisation = Organisation(
                code=org["code"],
                party_id=parties[org["party"]].id,
                name=name,
                translations=name_translations(name, {}),
            )
            session.add(organisation)
            organisations[organisation.code] = organisation
    session.flush()
    return parties, organisations


def _lineage(
    session: Session,
    party_ids: list[uuid.UUID],
    current_approval: date,
) -> Plan | None:
    """The predecessor plans, agreed outside the system and recorded as the operator: each in
    force from its approval date and superseded on its successor's."""
    predecessor: Plan | None = None
    entries = content.LINEAGE
    for index, entry in enumerate(entries):
        existing = session.scalars(select(Plan).where(Plan.reference == entry["reference"])).first()
        if existing is None:
            existing = create_plan(
                session=session,
                actor=SYSTEM,
                data=PlanCreate(
                    reference=entry["reference"],
                    title=dict(entry["title"]),
                    party_ids=party_ids,
                    sections=[
                        PlanSection(number="1", heading=BACKGROUND, body=dict(entry["narrative"]))
                    ],
                    approval_date=date.fromisoformat(entry["approval_date"]),
                    term_months=entry["term_months"],
                    review_interval_months=12,
                    predecessor_id=predecessor.id if predecessor else None,
                ),
            )
            update_plan(
                session=session,
                actor=SYSTEM,
                plan=existing,
                data=PlanUpdate(status=PlanStatus.ACTIVE),
                version_reason="Recorded as approved (agreed outside ITPP Tracker)",
            )
            successor_approval = (
                date.fromisoformat(entries[index + 1]["approval_date"])
                if index + 1 < len(entries)
                else current_approval
            )
            update_plan(
                session=session,
                actor=SYSTEM,
                plan=existing,
                data=PlanUpdate(status=PlanStatus.SUPERSEDED),
                version_reason="Recorded as superseded by its successor",
                ended_on=successor_approval,
            )
        predecessor = existing
    return predecessor


def _exchanges(
    session: Session,
    plan: Plan,
    approval: date,
    parties: dict[str, Party],
    organisations: dict[str, Organisation],
    commitments: dict[str, uuid.UUID],
) -> None:
    def org(code: str | None) -> uuid.UUID | None:
        return organisations[code].id if code else None

    for item in exchanges_content.EXCHANGES:
        end = item["end_offset_days"]
        create_exchange(
            session=session,
            actor=SYSTEM,
            plan=plan,
            data=ExchangeCreate(
                reference=item["reference"],
                kind=ExchangeKind(item["kind"]),
                title=dict(item["title"]),
                from_party_id=parties[item["from_party"]].id,
                from_organisation_id=org(item["from_organisation"]),
                to_party_id=parties[item["to_party"]].id,
                to_organisation_id=org(item["to_organisation"]),
                start_date=approval + timedelta(days=item["start_offset_days"]),
                end_date=approval + timedelta(days=end) if end is not None else None,
                location=item["location"],
                participants=[
                    Participant(role=p["role"], name=p["name"]) for p in item["participants"]
                ],
                commitment_ids=[commitments[r] for r in item["commitments"]],
                outcome=item["outcome"],
                lessons_learned=item["lessons_learned"],
                status=ExchangeStatus(item["status"]),
                post_title=item["post_title"],
                host_organisation_id=org(item["host_organisation"]),
                is_example=True,
            ),
        )


def _sample_actor(session: Session, party_code: str, role: Role) -> Actor:
    user = session.scalars(select(User).where(User.email == sample_email(party_code, role))).one()
    return actor_for(user, None)


def _own_rating(item: dict[str, Any], overdue_after: int) -> str:
    """The rating a party gives a commitment the sample says nothing special about."""
    entry = _CONTENT_BY_REFERENCE[item["commitment"]["reference"]]
    late = entry["due_offset_days"] < overdue_after and entry["status"] not in (
        CommitmentStatus.COMPLETED.value,
        CommitmentStatus.CANCELLED.value,
    )
    return Health.AT_RISK.value if late else Health.ON_TRACK.value


def _first_review(session: Session, plan: Plan, *, overdue_after: int) -> None:
    """Hold review 1 early, with a disagreement on one commitment; sign and conclude it.

    Each step goes through the review services as the sample user who would take it:
    Japan's editor opens it and writes the summary, both editors assess, the approvers sign,
    NATO's editor concludes. Review 2 (the final one) stays scheduled.
    """
    data = reviews_content.REVIEW
    codes: tuple[content.PartyCode, ...] = ("JP", "NATO")
    editors = {code: _sample_actor(session, code, Role.EDITOR) for code in codes}
    approvers = {code: _sample_actor(session, code, Role.APPROVER) for code in codes}
    review = session.scalars(
        select(ReviewCycle).where(ReviewCycle.plan_id == plan.id, ReviewCycle.number == 1)
    ).one()
    reviews.open_review(session=session, actor=editors["JP"], plan=plan, review=review)
    for code, editor in editors.items():
        items = reviews.review_as_dict(session=session, actor=editor, plan=plan, review=review)
        for entry in items["items"]:
            special = data["commitments"].get(entry["commitment"]["reference"])
            own = special[code] if special else None
            item, commitment = reviews.get_item(
                session=session, actor=editor, review=review, item_id=entry["id"]
            )
            reviews.record_assessment(
                session=session,
                actor=editor,
                plan=plan,
                review=review,
                item=item,
                commitment=commitment,
                data=AssessmentWrite(
                    rating=Health(own["rating"] if own else _own_rating(entry, overdue_after)),
                    note=own["note"] if own else None,
                    recommended_action=own["recommended_action"] if own else None,
                ),
            )
            # The agreed rating of a shared commitment is recorded by Japan's editor; that of
            # an internal one by its own party, the only one that can see it.
            if entry["commitment"]["visibility"] == "internal" or code == "JP":
                reviews.update_item(
                    session=session,
                    actor=editor,
                    plan=plan,
                    review=review,
                    item=item,
                    commitment=commitment,
                    data=ReviewItemUpdate(
                        agreed_rating=Health(
                            special["agreed_rating"]
                            if special
                            else _own_rating(entry, overdue_after)
                        ),
                        agreed_note=special["agreed_note"] if special else None,
                    ),
                )
    reviews.update_review(
        session=session,
        actor=editors["JP"],
        plan=plan,
        review=review,
        data=ReviewUpdate(summary=dict(data["summary"]), outcome=ReviewOutcome(data["outcome"])),
    )
    for approver in approvers.values():
        reviews.sign_off(session=session, actor=approver, plan=plan, review=review, party_id=None)
    reviews.conclude_review(session=session, actor=editors["NATO"], plan=plan, review=review)


def load_sample(*, session: Session, on: date | None = None) -> LoadResult:
    """Load the sample plan unless it is already there."""
    plan_data = content.PLAN
    existing = session.scalars(select(Plan).where(Plan.reference == plan_data["reference"])).first()
    if existing is not None:
        # A database loaded before Australia's example plan existed gets it now.
        logins = _australia(session, on or today())
        return LoadResult(
            created=False, plan_reference=existing.reference, commitments=0, logins=logins
        )
    parties, organisations = _parties(session)
    party_ids = [parties[p["code"]].id for p in content.PARTIES]
    approval = (on or today()) + timedelta(days=plan_data["approval_offset_days"])
    predecessor = _lineage(session, party_ids, approval)
    plan = create_plan(
        session=session,
        actor=SYSTEM,
        data=PlanCreate(
            reference=plan_data["reference"],
            title=dict(plan_data["title"]),
            party_ids=party_ids,
            sections=[
                PlanSection(number=s["number"], heading=dict(s["heading"]), body=dict(s["body"]))
                for s in plan_data["sections"]
            ],
            objectives=[dict(o) for o in plan_data["objectives"]],
            lead_texts=PlanLeadTexts(
                objectives=ObjectivesLead(number="2.2", text=dict(plan_data["objectives_lead"]))
            ),
            approval_date=approval,
            term_months=plan_data["term_months"],
            review_interval_months=plan_data["review_interval_months"],
            predecessor_id=predecessor.id if predecessor else None,
        ),
    )
    areas = {}
    for area in content.PRIORITY_AREAS:
        areas[area["code"]] = create_area(
            session=session,
            actor=SYSTEM,
            plan=plan,
            data=PriorityAreaCreate(
                code=area["code"],
                short_code=area["short"],
                title=dict(area["title"]),
                description=dict(area["description"]),
            ),
        )

    def day(offset: int) -> date:
        return approval + timedelta(days=offset)

    commitments: dict[str, uuid.UUID] = {}
    # The commitments were drafted in the weeks before the plan's approval: they start out
    # planned (their work is told below, after the plan comes into force).
    with audit.told_as_of(_at(approval - timedelta(days=14))):
        for item in content.COMMITMENTS:
            as_is = item["status"] == CommitmentStatus.CANCELLED.value
            commitment = create_commitment(
                session=session,
                actor=SYSTEM,
                plan=plan,
                data=CommitmentCreate(
                    priority_area_id=areas[item["area"]].id,
                    reference=item["reference"],
                    title=dict(item["title"]),
                    description=dict(item["description"]),
                    modality=Modality(item["modality"]),
                    lead_party_id=parties[item["lead_party"]].id,
                    lead_organisation_id=organisations[item["lead_organisation"]].id,
                    supporting_organisation_ids=[organisations[c].id for c in item["supporting"]],
                    start_date=day(item["start_offset_days"]),
                    due_date=day(item["due_offset_days"]),
                    status=CommitmentStatus(item["status"] if as_is else "planned"),
                    progress=item["progress"] if as_is else 0,
                    pcm_activity_ref=item["pcm_activity_ref"],
                    visibility=Visibility(item["visibility"]),
                    is_example=item["example"],
                    milestones=[
                        MilestoneCreate(
                            title=dict(m["title"]),
                            due_date=day(m["due_offset_days"]),
                            done_on=day(m["done_offset_days"])
                            if m["done_offset_days"] is not None
                            else None,
                        )
                        for m in item["milestones"]
                    ],
                ),
            )
            commitments[commitment.reference] = commitment.id
    _exchanges(session, plan, approval, parties, organisations, commitments)
    users = create_sample_users(session=session)
    # Coming into force by both parties' consent records version 1 of the plan with
    # everything above in it, and schedules its reviews.
    _entry_into_force(session, plan, approval)
    _work_so_far(session, plan, approval, on or today(), commitments)
    _first_review(session, plan, overdue_after=-plan_data["approval_offset_days"])
    _example_amendment(session, plan, approval, parties, organisations, areas, commitments)
    _refused_direct_edit(session, plan, approval, commitments)
    users += _australia(session, on or today())
    # The sample's history is told as past events: it is no news to anyone's mailbox. What is
    # done on the sample afterwards (approving its amendment as NATO) is mailed as usual.
    session.execute(
        delete(table_of(Notification)).where(table_of(Notification).c.plan_id == plan.id)
    )
    return LoadResult(
        created=True,
        plan_reference=plan.reference,
        commitments=len(content.COMMITMENTS),
        logins=users,
    )


def _at(day: date) -> datetime:
    """Mid-morning in Brussels, a day's time for an event of the sample's history."""
    return datetime.combine(day, time(9, 30), tzinfo=UTC)


# The steps in which the sample's commitments reached today's progress: the share of the
# progress, and the share of the way from the commitment's start (or the plan's approval) to
# today at which it was reported.
_STEPS = ((0.3, 0.3), (0.65, 0.6), (1.0, 0.9))


def _work_so_far(
    session: Session, plan: Plan, approval: date, on: date, commitments: dict[str, uuid.UUID]
) -> None:
    """The progress reports that brought each commitment to its status and progress today,
    told as past events (the dashboard's burn-up is rebuilt from them)."""
    for item in content.COMMITMENTS:
        if item["status"] in (CommitmentStatus.CANCELLED.value, CommitmentStatus.PLANNED.value):
            continue
        start = max(approval + timedelta(days=item["start_offset_days"]), approval)
        span = max((on - start).days - 1, 1)
        # Read once: each step updates the same record.
        _plan, commitment = get_commitment(
            session=session, actor=SYSTEM, commitment_id=commitments[item["reference"]]
        )
        for share, way in _STEPS:
            final = share == 1.0
            data = (
                CommitmentUpdate(status=CommitmentStatus(item["status"]), progress=item["progress"])
                if final
                else CommitmentUpdate(
                    status=CommitmentStatus.IN_PROGRESS, progress=round(item["progress"] * share)
                )
            )
            with audit.told_as_of(_at(start + timedelta(days=round(span * way)))):
                update_commitment(
                    session=session, actor=SYSTEM, plan=plan, commitment=commitment, data=data
                )


def _australia(session: Session, on: date) -> list[SampleLogin]:
    """Australia's fictional example plan with NATO, its users, and its coming into force by
    both approvers (nothing if it is there already)."""
    if not australia.load_australia(session=session, on=on):
        return []
    users = create_sample_users(session=session)
    changes = [{"op": "bring_into_force", "approval_date": australia.approval_date(on).isoformat()}]
    plan = australia.plan_of(session)
    _consent(session, plan, {**australia.ENTRY_INTO_FORCE, "changes": changes}, ["AU", "NATO"])
    session.execute(
        delete(table_of(Notification)).where(table_of(Notification).c.plan_id == plan.id)
    )
    return users


def _consent(session: Session, plan: Plan, entry: dict[str, Any], approvers: list[str]) -> None:
    """Propose `entry`'s change set as its proposing party's editor, then approve it as each of
    `approvers` (party codes), with their notes."""
    amendment = propose_amendment(
        session=session,
        actor=_sample_actor(session, entry["proposed_by"], Role.EDITOR),
        plan=plan,
        data=AmendmentCreate.model_validate(
            {"title": entry["title"], "rationale": entry["rationale"], "changes": entry["changes"]}
        ),
    )
    for code in approvers:
        decide_amendment(
            session=session,
            actor=_sample_actor(session, code, Role.APPROVER),
            amendment_id=amendment.id,
            data=AmendmentDecisionCreate(decision=Decision.APPROVE, note=entry["note"][code]),
        )


def _entry_into_force(session: Session, plan: Plan, approval: date) -> None:
    """Japan's editor proposes the plan's coming into force; both approvers approve it."""
    entry = amendments_content.ENTRY_INTO_FORCE
    changes = [{"op": "bring_into_force", "approval_date": approval.isoformat()}]
    _consent(session, plan, {**entry, "changes": changes}, ["JP", "NATO"])


def _refused_direct_edit(
    session: Session, plan: Plan, approval: date, commitments: dict[str, uuid.UUID]
) -> None:
    """NATO's editor moves a due date directly; refused, the change is proposed instead, in
    one step, from the change set the refusal carries."""
    entry = amendments_content.DIRECT_EDIT
    editor = _sample_actor(session, entry["editor"], Role.EDITOR)
    _, commitment = get_commitment(
        session=session, actor=editor, commitment_id=commitments[entry["reference"]]
    )
    due = approval + timedelta(days=entry["due_offset_days"])
    try:
        update_commitment(
            session=session,
            actor=editor,
            plan=plan,
            commitment=commitment,
            data=CommitmentUpdate(due_date=due),
        )
    except AmendmentRequired as refusal:
        assert refusal.proposal is not None
        proposal = refusal.proposal
    else:  # pragma: no cover - the plan is in force
        raise AssertionError("a direct change of agreed content was accepted")
    propose_amendment(
        session=session,
        actor=editor,
        plan=plan,
        data=AmendmentCreate.model_validate(
            {
                "title": {
                    "ja": f"【見本】{proposal.title['ja']}",
                    "en": f"[Example] {proposal.title['en']}",
                },
                "rationale": entry["rationale"],
                "changes": proposal.changes,
            }
        ),
    )


def _example_amendment(
    session: Session,
    plan: Plan,
    approval: date,
    parties: dict[str, Party],
    organisations: dict[str, Organisation],
    areas: dict[str, PriorityArea],
    commitments: dict[str, uuid.UUID],
) -> None:
    """Japan proposes the example amendment and Japan's approver approves it; NATO's is due."""
    entry = amendments_content.AMENDMENT
    new = entry["add_commitment"]
    moved = entry["move_due_date"]

    def day(offset: int) -> str:
        return (approval + timedelta(days=offset)).isoformat()

    data = AmendmentCreate.model_validate(
        {
            "title": entry["title"],
            "rationale": entry["rationale"],
            "changes": [
                {
                    "op": "add_commitment",
                    "commitment": {
                        "priority_area_id": areas[new["area"]].id,
                        "title": new["title"],
                        "description": new["description"],
                        "modality": new["modality"],
                        "lead_party_id": parties[new["lead_party"]].id,
                        "lead_organisation_id": organisations[new["lead_organisation"]].id,
                        "supporting_organisation_ids": [
                            organisations[code].id for code in new["supporting"]
                        ],
                        "start_date": day(new["start_offset_days"]),
                        "due_date": day(new["due_offset_days"]),
                        "is_example": True,
                        "milestones": [
                            {"title": m["title"], "due_date": day(m["due_offset_days"])}
                            for m in new["milestones"]
                        ],
                    },
                },
                {
                    "op": "modify_commitment",
                    "commitment_id": commitments[moved["reference"]],
                    "changes": {"due_date": day(moved["due_offset_days"])},
                },
            ],
        }
    )
    amendment = propose_amendment(
        session=session,
        actor=_sample_actor(session, entry["proposed_by"], Role.EDITOR),
        plan=plan,
        data=data,
    )
    approver = entry["approved_by"]
    decide_amendment(
        session=session,
        actor=_sample_actor(session, approver, Role.APPROVER),
        amendment_id=amendment.id,
        data=AmendmentDecisionCreate(decision=Decision.APPROVE, note=entry["note"][approver]),
    )


def load() -> LoadResult:
    """Load the sample in its own transaction; record the sample logins once committed."""
    with transaction(write=True) as session:
        result = load_sample(session=session)
    if result.logins:
        save_logins(result.logins)
    return result


def database_has_plans() -> bool:
    """Whether any plan is recorded (make run loads the sample only into an empty database)."""
    with transaction(write=False) as session:
        return session.scalars(select(Plan.id).limit(1)).first() is not None
