"""A second, fictional sample plan: Australia (AU) with NATO, so NATO's sample users see a
portfolio of two plans and Japan's see only theirs.

Everything here is invented for the demonstration and marked as an example in its titles: it is
not the text of any real programme.
"""

from datetime import date, timedelta
from typing import Any, Final

from sqlmodel import Session, select

from itpp_api.auth.actor import Actor
from itpp_api.commitments.schemas import CommitmentCreate
from itpp_api.commitments.service import create_commitment
from itpp_api.enums import CommitmentStatus, Modality, Visibility
from itpp_api.parties.models import Organisation, Party
from itpp_api.parties.service import name_translations
from itpp_api.plans.models import Plan
from itpp_api.plans.schemas import PlanCreate, PlanSection, PriorityAreaCreate
from itpp_api.plans.service import create_area, create_plan

SYSTEM = Actor.system()

PARTY: Final[dict[str, Any]] = {
    "code": "AU",
    "name": {"ja": "オーストラリア（見本）", "en": "Australia (sample)"},
}
ORGANISATION: Final[dict[str, Any]] = {
    "code": "AU_DEF_EX",
    "name": {"ja": "国防省（見本）", "en": "Department of Defence (sample)"},
}
PLAN: Final[dict[str, Any]] = {
    "reference": "AU-NATO-ITPP-EXAMPLE",
    "title": {
        "ja": "【見本・架空】豪NATO国別パートナーシップ協力計画",
        "en": "[Example, fictional] Australia–NATO Individually Tailored Partnership Programme",
    },
    "body": {
        "ja": "見本データであり、実在の計画ではない。ポートフォリオ（複数計画の一覧）の説明用。",
        "en": "Sample data, not a real programme: it shows a portfolio of more than one plan.",
    },
    "approval_offset_days": -200,
    "term_months": 24,
    "review_interval_months": 12,
}
AREAS: Final[list[dict[str, Any]]] = [
    {
        "code": "3.1.1",
        "short": "MAR",
        "title": {"ja": "【見本】海洋安全保障", "en": "[Example] Maritime security"},
        "description": {"ja": "見本データ。", "en": "Sample data."},
    },
    {
        "code": "3.1.2",
        "short": "CYB",
        "title": {"ja": "【見本】サイバー防衛", "en": "[Example] Cyber defence"},
        "description": {"ja": "見本データ。", "en": "Sample data."},
    },
]
# (area, label (the service numbers them), title ja, title en, start, due, status, progress,
#  visibility, lead party)
COMMITMENTS: Final[list[tuple[str, str, str, str, int, int, str, int, str, str]]] = [
    (
        "3.1.1",
        "AU-MAR-01",
        "【見本】海洋状況把握に関する専門家協議",
        "[Example] Expert talks on maritime domain awareness",
        30,
        300,
        "completed",
        100,
        "shared",
        "AU",
    ),
    (
        "3.1.1",
        "AU-MAR-02",
        "【見本】多国間海上演習へのオブザーバー派遣",
        "[Example] Observers at a multinational maritime exercise",
        60,
        500,
        "in_progress",
        40,
        "shared",
        "NATO",
    ),
    (
        "3.1.2",
        "AU-CYB-01",
        "【見本】サイバー防衛演習への参加",
        "[Example] Taking part in a cyber defence exercise",
        90,
        500,
        "planned",
        0,
        "shared",
        "AU",
    ),
    (
        "3.1.2",
        "AU-CYB-02",
        "【見本】サイバー人材育成の内部検討",
        "[Example] Internal study of cyber training needs",
        10,
        600,
        "in_progress",
        20,
        "internal",
        "AU",
    ),
]


def load_australia(*, session: Session, on: date) -> bool:
    """Add Australia, its organisation and its example plan with NATO unless the plan is there
    (the plan comes into force by both parties' consent in `bring_into_force`, called by the
    loader once the sample users exist). Returns whether it was created."""
    if session.scalars(select(Plan.id).where(Plan.reference == PLAN["reference"])).first():
        return False
    parties = {p.code: p for p in session.scalars(select(Party))}
    if PARTY["code"] not in parties:
        name = dict(PARTY["name"])
        party = Party(code=PARTY["code"], name=name, translations=name_translations(name, {}))
        session.add(party)
        session.flush()
        parties[party.code] = party
    organisation = session.scalars(
        select(Organisation).where(Organisation.code == ORGANISATION["code"])
    ).first()
    if organisation is None:
        name = dict(ORGANISATION["name"])
        organisation = Organisation(
            code=ORGANISATION["code"],
            party_id=parties["AU"].id,
            name=name,
            translations=name_translations(name, {}),
        )
        session.add(organisation)
        session.flush()
    nato_hq = session.scalars(select(Organisation).where(Organisation.code == "NATO_HQ")).one()
    approval = approval_date(on)
    plan = create_plan(
        session=session,
        actor=SYSTEM,
        data=PlanCreate(
            reference=PLAN["reference"],
            title=dict(PLAN["title"]),
            party_ids=[parties["AU"].id, parties["NATO"].id],
            sections=[
                PlanSection(
                    number="1.1",
                    heading={"ja": "【見本】趣旨", "en": "[Example] Purpose"},
                    body=dict(PLAN["body"]),
                )
            ],
            objectives=[{"ja": "【見本】実務協力の拡大", "en": "[Example] Wider practical work"}],
            approval_date=approval,
            term_months=PLAN["term_months"],
            review_interval_months=PLAN["review_interval_months"],
        ),
    )
    areas = {
        a["code"]: create_area(
            session=session,
            actor=SYSTEM,
            plan=plan,
            data=PriorityAreaCreate(
                code=a["code"],
                short_code=a["short"],
                title=dict(a["title"]),
                description=dict(a["description"]),
            ),
        )
        for a in AREAS
    }
    for area, _reference, ja, en, start, due, status, progress, visibility, lead in COMMITMENTS:
        create_commitment(
            session=session,
            actor=SYSTEM,
            plan=plan,
            data=CommitmentCreate(
                priority_area_id=areas[area].id,
                title={"ja": ja, "en": en},
                description={"ja": "見本データ。", "en": "Sample data."},
                modality=Modality.OTHER,
                lead_party_id=parties[lead].id,
                lead_organisation_id=(organisation if lead == "AU" else nato_hq).id,
                start_date=approval + timedelta(days=start),
                due_date=approval + timedelta(days=due),
                status=CommitmentStatus(status),
                progress=progress,
                visibility=Visibility(visibility),
                is_example=True,
            ),
        )
    return True


def plan_of(session: Session) -> Plan:
    return session.scalars(select(Plan).where(Plan.reference == PLAN["reference"])).one()


def approval_date(on: date) -> date:
    return on + timedelta(days=PLAN["approval_offset_days"])


ENTRY_INTO_FORCE: Final[dict[str, Any]] = {
    "proposed_by": "AU",
    "title": {
        "ja": "【見本】豪NATO計画（架空）の発効",
        "en": "[Example] Bringing the fictional Australia–NATO plan into force",
    },
    "rationale": {
        "ja": "見本データ。架空の計画を双方の同意により発効させる。",
        "en": "Sample data. Both parties bring the fictional plan into force by consent.",
    },
    "note": {"AU": "Sample approval.", "NATO": "Sample approval."},
}
