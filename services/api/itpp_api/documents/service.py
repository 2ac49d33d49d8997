"""Rules for plan documents: what a reader's document contains, and importing a plan's text."""

import codecs
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from itpp_api import agreement
from itpp_api.amendments.service import consent_record
from itpp_api.attachments.models import Attachment, AttachmentParent
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.commitments.models import Commitment
from itpp_api.config import get_settings
from itpp_api.db import table_of
from itpp_api.documents import odf, package, parser, periods, render, word
from itpp_api.errors import (
    FieldError,
    NotFound,
    RuleViolation,
    UnsupportedMediaType,
    ValidationFailed,
)
from itpp_api.parties.models import Party
from itpp_api.plans import service as plans
from itpp_api.plans import versions
from itpp_api.plans.models import Plan
from itpp_api.plans.schemas import PlanCreate, PriorityAreaCreate
from itpp_api.updates.models import ProgressUpdate
from itpp_api.updates.service import COUNTED

DEFAULT_TERM_MONTHS = 24
DEFAULT_REVIEW_INTERVAL_MONTHS = 12

Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


# --- rendering ----------------------------------------------------------------------------


def plan_document(
    *, session: Session, actor: Actor, plan: Plan, lang: str, version: int | None
) -> render.PlanDocument:
    """The plan (as it is, or as recorded in `version`) as a document the actor may read, in
    one language (ja, en) or side by side (ja-en: the Japanese document, its English one as
    `parallel`)."""
    if version is None:
        visible = versions.build_snapshot(session=session, plan=plan)
    else:
        visible = versions.version_snapshot(
            versions.get_version(session=session, plan_id=plan.id, number=version)
        )
    party_codes = {str(p["id"]): p["code"] for p in visible["plan"]["parties"]}
    consents = agreement.json_data(
        [
            c
            for c in consent_record(session=session, plan=plan)
            if version is None
            or c["brought_into_force"]
            or (c["version"] is not None and c["version"] <= version)
        ]
    )
    # Where the shared commitments stand now: the annex of the plan as it is shows it beside
    # what was agreed; a recorded version holds agreed content only, so its annex does not.
    delivery = _delivery(session=session, plan=plan) if version is None else None
    evidence = _evidence(session=session, actor=actor, plan=plan) if version is None else None
    latest = _latest_updates(session=session, plan=plan) if version is None else None
    classification = get_settings().document_classification
    languages = lang.split("-")
    documents = [
        render.build_document(
            visible,
            lang=language,
            version=version,
            party_codes=party_codes,
            consents=consents,
            delivery=delivery,
            classification=classification,
            evidence=evidence,
            latest_updates=latest,
        )
        for language in languages
    ]
    return render.side_by_side(*documents) if len(documents) == 2 else documents[0]


def _delivery(*, session: Session, plan: Plan) -> dict[str, tuple[str, int]]:
    """Status and progress of the plan's shared commitments, by id (the document's annex
    shows only shared ones, whoever reads)."""
    rows = session.exec(
        select(Commitment.id, Commitment.status, Commitment.progress).where(
            Commitment.plan_id == plan.id, policy.shared_only(Commitment)
        )
    ).all()
    return {str(row[0]): (str(row[1]), int(row[2])) for row in rows}


def _evidence(*, session: Session, actor: Actor, plan: Plan) -> dict[str, int]:
    """How many evidence files (attachments of a shared commitment and of its progress
    updates) the reader may see, by commitment id (`policy.document_evidence`: never another
    party's internal files; for the system, shared files only)."""
    shared = select(Commitment.id).where(
        Commitment.plan_id == plan.id, policy.shared_only(Commitment)
    )
    rows = session.execute(
        select(Attachment.subject_id, func.count())
        .where(
            Attachment.plan_id == plan.id,
            col(Attachment.parent_type).in_(
                [AttachmentParent.COMMITMENT.value, AttachmentParent.PROGRESS_UPDATE.value]
            ),
            col(Attachment.subject_id).in_(shared),
            policy.document_evidence(table_of(Attachment).c, actor),
        )
        .group_by(col(Attachment.subject_id))
    ).all()
    return {str(subject): int(count) for subject, count in rows}


def _latest_updates(*, session: Session, plan: Plan) -> dict[str, tuple[str, str]]:
    """The as-of date (ISO) and status of each shared commitment's latest progress update that
    counts (recorded, or confirmed by the lead party), by commitment id. An update follows its
    commitment: the annex's commitments are shared, so whoever reads sees these."""
    shared = select(Commitment.id).where(
        Commitment.plan_id == plan.id, policy.shared_only(Commitment)
    )
    rows = session.execute(
        select(
            col(ProgressUpdate.commitment_id),
            col(ProgressUpdate.as_of_date),
            col(ProgressUpdate.status),
        )
        .where(
            ProgressUpdate.plan_id == plan.id,
            col(ProgressUpdate.state).in_(COUNTED),
            col(ProgressUpdate.commitment_id).in_(shared),
        )
        .order_by(
            col(ProgressUpdate.commitment_id),
            col(ProgressUpdate.as_of_date),
            col(ProgressUpdate.created_at),
        )
    ).all()
    # Ordered by date within each commitment: the last one written is the latest.
    return {str(row[0]): (row[1].isoformat(), str(row[2])) for row in rows}


def check_document_size(content: str | bytes) -> None:
    """Refuse a document over the configured size (a plan with very many commitments)."""
    check_document_bytes(len(content.encode("utf-8") if isinstance(content, str) else content))


def check_document_bytes(size: int) -> None:
    """Refuse a document of `size` bytes if over the configured size."""
    limit = get_settings().document_max_bytes
    if size > limit:
        raise RuleViolation(
            f"The document would be {size} bytes, over the limit of {limit} bytes "
            "(ITPP_DOCUMENT_MAX_BYTES). Export the commitments as CSV or XLSX instead."
        )


# --- importing ----------------------------------------------------------------------------


def decode_document(raw: bytes, charset: str | None) -> str:
    """The text of an uploaded document: the declared charset, else UTF-8 (or a UTF-16 BOM)."""
    if not raw.strip():
        raise ValidationFailed(
            "The document is empty.",
            errors=[FieldError(loc=["body"], msg="empty document", type="empty")],
        )
    if charset:
        try:
            encoding = codecs.lookup(charset).name
        except LookupError:
            raise UnsupportedMediaType(
                f"Unknown character encoding {charset!r}: send UTF-8, or name a known one "
                "(e.g. charset=shift_jis)."
            ) from None
    elif raw.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            f"The document is not valid {encoding} text (byte {exc.start}). Save it as UTF-8, "
            "or declare its encoding (Content-Type: text/plain; charset=shift_jis).",
            errors=[FieldError(loc=["body"], msg=str(exc.reason), type="encoding")],
        ) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise ValidationFailed(
            "The document contains NUL characters: it is not a text file.",
            errors=[FieldError(loc=["body"], msg="binary content", type="string_nul")],
        )
    return text


@dataclass
class ImportReport:
    """What an import made of the document, for a person to check."""

    language: str
    unmapped: list[parser.Unmapped]
    notes: list[str] = field(default_factory=list)
    predecessor_references: list[parser.PredecessorReference] = field(default_factory=list)


_SHORT_CODES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), code)
    for pattern, code in (
        (r"サイバー|cyber", "CYB"),
        (r"海洋|海上|maritime", "MAR"),
        (r"人道|災害|humanitarian|disaster", "HADR"),
        (r"軍備管理|不拡散|arms control|non-proliferation", "ACD"),
        (r"科学技術|science and technology", "DST"),
        (r"女性|women", "WPS"),
        (r"人間の安全保障|human security", "HSEC"),
        (r"パブリック|広報|public diplomacy", "PD"),
        (r"その他|other", "OTH"),
    )
)


def short_code_for(title: str, index: int, taken: set[str]) -> str:
    """A short code for an imported area: the usual one for a known area, else from its
    English initials, else PA<n>; made unique among `taken`."""
    base = next((code for pattern, code in _SHORT_CODES if pattern.search(title)), None)
    if base is None:
        words = [w for w in re.findall(r"[A-Za-z]+", title) if len(w) > 3]
        base = "".join(w[0] for w in words[:4]).upper() or f"PA{index}"
        if not re.fullmatch(r"[A-Z][A-Z0-9]{0,7}", base):
            base = f"PA{index}"
    code, n = base, 2
    while code in taken:
        code = f"{base[:6]}{n}"
        n += 1
    taken.add(code)
    return code


def _resolve_parties(session: Session, references: list[str]) -> list[uuid.UUID]:
    found: list[uuid.UUID] = []
    errors: list[FieldError] = []
    for index, reference in enumerate(references):
        try:
            condition = col(Party.id) == uuid.UUID(reference)
        except ValueError:
            condition = col(Party.code) == reference
        party_id = session.scalars(select(Party.id).where(condition)).first()
        if party_id is None:
            errors.append(
                FieldError(
                    loc=["query", "party", index], msg=f"no party {reference}", type="unknown_party"
                )
            )
        elif party_id not in found:
            found.append(party_id)
    if errors:
        raise RuleViolation("Unknown party.", errors=errors)
    if len(found) < 2:
        raise ValidationFailed(
            "Name the plan's parties (two or more): party=JP&party=NATO.",
            errors=[
                FieldError(loc=["query", "party"], msg="at least two parties", type="too_short")
            ],
        )
    return found


def _validation_failed(exc: ValidationError, where: str) -> ValidationFailed:
    errors = [
        FieldError(
            loc=[where, *[p for p in e["loc"] if isinstance(p, str | int)]],
            msg=str(e["msg"]).removeprefix("Value error, "),
            type=str(e["type"]),
        )
        for e in exc.errors()
    ]
    return ValidationFailed(
        "The document's text does not fit a plan: "
        + "; ".join(f"{'.'.join(map(str, e.loc[1:]))}: {e.msg}" for e in errors[:5]),
        errors=errors,
    )


def localized_text(text: str, language: str) -> dict[str, str]:
    """A text of the document under its language: the one a fallback marker names ("[en] …",
    the marker dropped), else the document's."""
    marked, rest = parser.split_marker(text)
    return {marked: rest} if marked else {language: text}


@dataclass
class DraftRecords:
    """What a parsed document gives a draft plan, as JSON data: the plan's fields (without its
    reference and parties) and its priority areas; `notes` say what was read and assumed."""

    plan: dict[str, Any]
    areas: list[dict[str, Any]]
    notes: list[str]


def _period_notes(reading: periods.Reading, what: str, default: int, notes: list[str]) -> int:
    if reading.months is not None:
        notes.append(f"The {what} ({reading.months} months) was read from “{reading.phrase}”.")
        return reading.months
    if reading.phrase is None:
        notes.append(f"The text states no {what}: the default of {default} months applies.")
    else:
        notes.append(
            f"The text speaks of the {what} in “{reading.phrase}”, but no {what} could be read "
            f"from it ({reading.problem}): the default of {default} months applies; check it."
        )
    return default


def draft_records(parsed: parser.ParsedPlan, language: str) -> DraftRecords:
    """The draft plan's records from a parsed document (every text under its language)."""
    notes: list[str] = []
    term = _period_notes(parsed.term, "term", DEFAULT_TERM_MONTHS, notes)
    interval = _period_notes(
        parsed.review_interval,
        "review interval",
        min(DEFAULT_REVIEW_INTERVAL_MONTHS, term),
        notes,
    )
    if interval > term:
        notes.append(
            f"The stated review interval ({interval} months) is longer than the term; "
            f"it is set to the term ({term} months)."
        )
        interval = term

    def text(value: str | None) -> dict[str, str] | None:
        return localized_text(value, language) if value else None

    with_sections = {s.number.split(".")[0] for s in parsed.sections}
    chapters = []
    for number in sorted(set(parsed.chapters) | set(parsed.chapter_leads), key=int):
        # A chapter's heading is its sections' heading; kept here when no section carries it.
        heading = None if number in with_sections else parsed.chapters.get(number)
        lead = parsed.chapter_leads.get(number)
        if heading or lead:
            chapters.append({"number": number, "heading": text(heading), "text": text(lead)})
    lead_texts = {
        "objectives": {
            "number": parsed.objectives_number,
            "text": text(parsed.objectives_lead),
        }
        if parsed.objectives_number
        else None,
        "areas": text(parsed.areas_lead),
        "chapters": chapters,
    }
    taken: set[str] = set()
    areas = []
    for index, area in enumerate(parsed.areas, start=1):
        title = localized_text(area.title, language)
        areas.append(
            {
                "code": area.code,
                "short_code": short_code_for(next(iter(title.values())), index, taken),
                "title": title,
            }
        )
    return DraftRecords(
        plan={
            "title": localized_text(parsed.title, language),
            "sections": [
                {
                    "number": s.number,
                    "heading": text(s.heading),
                    "body": localized_text(s.body, language),
                }
                for s in parsed.sections
            ],
            "objectives": [localized_text(o, language) for o in parsed.objectives],
            "lead_texts": lead_texts,
            "term_months": term,
            "review_interval_months": interval,
        },
        areas=areas,
        notes=notes,
    )


def import_plan_text(
    *,
    session: Session,
    actor: Actor,
    raw: bytes,
    charset: str | None,
    party_references: list[str],
    reference: str | None,
    lang: str | None,
    progress: Progress = _no_progress,
) -> tuple[Plan, ImportReport]:
    """Create a draft plan from a plan document's text; report what could not be mapped."""
    policy.require_signed_in(actor)
    party_ids = _resolve_parties(session, party_references)
    policy.authorize_new_plan(actor, party_ids)
    # A word processor's file is known by its content (package.kind_of), never by its name.
    kind = package.kind_of(raw)
    readers = {"docx": word.document_text, "odt": odf.document_text}
    from_word = readers[kind](raw, get_settings().max_import_bytes) if kind else None
    text = from_word.text if from_word else decode_document(raw, charset)
    progress("parse", 0, 1)
    try:
        parsed = parser.parse_plan_text(text)
    except parser.NotAPlanDocument as exc:
        raise RuleViolation(f"This is not a plan document. {exc}") from None
    progress("parse", 1, 1)
    if from_word:
        # The report names the document's paragraphs (table rows count as paragraphs).
        for line in parsed.unmapped:
            line.line = from_word.paragraph_of_line[line.line - 1]
    if not parsed.title:
        raise RuleViolation("This is not a plan document: it has no title line before chapter 1.")
    language = lang or parsed.language
    records = draft_records(parsed, language)
    report = ImportReport(
        language=language,
        unmapped=parsed.unmapped,
        notes=records.notes,
        predecessor_references=parsed.predecessor_references,
    )
    if kind == "docx":
        report.notes.append(
            "Read from a Word document: its paragraphs (with the numbers Word keeps as list "
            "numbering) are the lines of the text, and the line numbers here are paragraphs; "
            "each table row is one paragraph."
        )
    elif kind == "odt":
        report.notes.append(
            "Read from an OpenDocument text: its paragraphs and headings (with the numbers it "
            "keeps as list or outline numbering) are the lines of the text, and the line "
            "numbers here are paragraphs; each table row is one paragraph."
        )
    for found in parsed.predecessor_references:
        report.notes.append(
            f"§{found.section} refers to an earlier agreement of {found.date}: it is kept as "
            "narrative; link the predecessor plan by hand if it is recorded."
        )
    if not parsed.objectives:
        report.notes.append("No objectives (a list of bullets under §2) were found.")
    if not parsed.areas:
        report.notes.append("No priority areas (items numbered x.y.z) were found.")
    plan_reference = reference or f"IMPORT-{secrets.token_hex(4).upper()}"
    try:
        data = PlanCreate.model_validate(
            {**records.plan, "reference": plan_reference, "party_ids": party_ids}
        )
        areas = [PriorityAreaCreate.model_validate(area) for area in records.areas]
    except ValidationError as exc:
        raise _validation_failed(exc, "body") from None
    plan = plans.create_plan(session=session, actor=actor, data=data)
    for index, area in enumerate(areas):
        plans.create_area(session=session, actor=actor, plan=plan, data=area)
        progress("areas", index + 1, len(areas))
    return plan, report


def report_to_dict(report: ImportReport) -> dict[str, Any]:
    return {
        "language": report.language,
        "unmapped": [
            {"line": u.line, "text": u.text, "reason": u.reason, "kind": u.kind}
            for u in report.unmapped
        ],
        "notes": report.notes,
        "predecessor_references": [
            {"section": r.section, "date": r.date} for r in report.predecessor_references
        ],
    }


def find_plan(*, session: Session, actor: Actor, reference_or_id: str) -> Plan:
    """A plan by id or reference (for the command line)."""
    try:
        condition = col(Plan.id) == uuid.UUID(reference_or_id)
    except ValueError:
        condition = col(Plan.reference) == reference_or_id
    plan_id = session.scalars(select(Plan.id).where(condition)).first()
    if plan_id is None:
        raise NotFound(f"No plan {reference_or_id}.")
    return plans.get_plan(session=session, plan_id=plan_id, actor=actor)
