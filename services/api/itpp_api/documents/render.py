"""The plan as a document in the seed's structure, rendered as Markdown, HTML or PDF.

The document is built from a snapshot of the plan (a recorded version, or the plan as it is
now), already filtered to what the reader may see: chapters 1–4 numbered like the seed, the
objectives as the bullets of §2.2, the priority areas as the `3.1.x` items of §3.1, and after
the end of the text an annex of the commitments under each area.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from jinja2 import DictLoader, Environment, select_autoescape
from markupsafe import Markup

from itpp_api.documents.parser import detect_language

FALLBACK_MARKER = "[{lang}] "

STANDARD_HEADINGS: dict[str, dict[str, str]] = {
    "ja": {
        "1": "政治的文脈及び原則",
        "2": "協力の目的及び様式",
        "3": "協力の優先分野",
        "4": "見直し手続き",
        "other": "その他",
    },
    "en": {
        "1": "Political context and principles",
        "2": "Objectives and modalities of cooperation",
        "3": "Priority areas of cooperation",
        "4": "Review procedure",
        "other": "Other provisions",
    },
}
END_MARKER = {"ja": "（了）", "en": "(End)"}
_LABELS = {
    "ja": {
        "version": "版",
        "current": "現在の記録",
        "status": "状態",
        "approval": "承認日",
        "expiry": "期限",
        "parties": "当事者",
        "annex": "付属書　優先分野ごとのコミットメント",
        "none": "コミットメントなし",
        "lead": "主導",
        "start": "開始",
        "due": "期日",
        "consents": "付属書　同意の記録",
        "no_consents": "この計画は ITPP Tracker の外で合意され、運用者により記録された。",
        "approved_by": "承認",
        "in_force": "発効",
        "amendment": "修正",
        "termination": "終了",
        "renewal": "更新",
        "version_of": "第{n}版",
    },
    "en": {
        "version": "Version",
        "current": "current records",
        "status": "Status",
        "approval": "Approved",
        "expiry": "Expires",
        "parties": "Parties",
        "annex": "Annex: commitments under the priority areas",
        "none": "No commitments",
        "lead": "lead",
        "start": "starts",
        "due": "due",
        "consents": "Annex: record of consent",
        "no_consents": "This plan was agreed outside ITPP Tracker and recorded by its operator.",
        "approved_by": "approved",
        "in_force": "Coming into force",
        "amendment": "Amendment",
        "termination": "Termination",
        "renewal": "Renewal",
        "version_of": "version {n}",
    },
}
_AREA_ITEM = re.compile(r"^-\s*[0-9]{1,2}(?:\.[0-9]{1,2}){2,}\s")


def localized(text: dict[str, str] | None, lang: str) -> str:
    """The text in the language, or another one behind a visible marker."""
    if not text:
        return ""
    if lang in text:
        return text[lang]
    for other in ("en", "ja", *sorted(text)):
        if other in text:
            return FALLBACK_MARKER.format(lang=other) + text[other]
    return ""


def _number_key(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split(".") if part.isdigit())


@dataclass
class DocumentSection:
    number: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)


@dataclass
class DocumentChapter:
    number: str
    heading: str
    sections: list[DocumentSection] = field(default_factory=list)


@dataclass
class AnnexCommitment:
    reference: str
    title: str
    details: str


@dataclass
class AnnexArea:
    code: str
    title: str
    description: str
    commitments: list[AnnexCommitment]


@dataclass
class DocumentConsent:
    """One consent of the record: what it was, and each party's approval."""

    heading: str
    title: str
    approvals: list[str]


@dataclass
class PlanDocument:
    """The plan's text, ready to render."""

    lang: str
    reference: str
    title: str
    version: int | None
    status: str
    approval_date: str | None
    expiry_date: str | None
    parties: list[str]
    chapters: list[DocumentChapter]
    annex: list[AnnexArea]
    consents: list[DocumentConsent] = field(default_factory=list)

    @property
    def labels(self) -> dict[str, str]:
        return _LABELS[self.lang]

    @property
    def end_marker(self) -> str:
        return END_MARKER[self.lang]


def _parties_phrase(names: list[str], lang: str) -> str:
    if lang == "ja":
        return "、".join(names[:-1]) + ("と" if len(names) > 1 else "") + names[-1]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _standard_intro(kind: str, parties: list[str], lang: str) -> str:
    who = _parties_phrase(parties or ["—"], lang)
    if lang == "ja":
        if kind == "objectives":
            return f"{who}は、次のとおり協力を推進する。"
        return f"{who}は、次の優先分野に焦点を当てた実務的な協力を促進する。"
    if kind == "objectives":
        return f"{who} will promote cooperation as follows."
    return f"{who} will promote practical cooperation focused on the following priority areas."


def _consents(consents: list[dict[str, Any]], lang: str) -> list[DocumentConsent]:
    labels = _LABELS[lang]
    out = []
    for consent in consents:
        kind = "in_force" if consent["brought_into_force"] else consent["kind"]
        heading = labels.get(kind, labels["amendment"])
        if consent.get("version"):
            number = labels["version_of"].format(n=consent["version"])
            heading += f"（{number}）" if lang == "ja" else f" ({number})"
        colon, comma = ("：", "、") if lang == "ja" else (": ", ", ")
        out.append(
            DocumentConsent(
                heading=heading,
                title=localized(consent.get("title"), lang),
                approvals=[
                    f"{a['party_code']}{colon}{a.get('decided_by_name') or '—'}{comma}"
                    f"{labels['approved_by']} {str(a['decided_at'])[:10]}"
                    for a in consent.get("approvals", [])
                ],
            )
        )
    return out


def build_document(
    snapshot: dict[str, Any],
    *,
    lang: str,
    version: int | None,
    party_codes: dict[str, str],
    consents: list[dict[str, Any]] | None = None,
) -> PlanDocument:
    """The document of a snapshot (agreed content) in one language, with its record of
    consent (as agreement.consent_record gives it, up to this version)."""
    plan = snapshot["plan"]
    parties = [localized(p.get("name"), lang) or p.get("code", "") for p in plan["parties"]]
    narrative = sorted(plan.get("sections", []), key=lambda s: _number_key(s["number"]))
    areas = sorted(
        (a for a in snapshot.get("priority_areas", []) if not a.get("retired_at")),
        key=lambda a: a["position"],
    )
    numbers = {s["number"] for s in narrative}
    parents = {a["code"].rpartition(".")[0] for a in areas if "." in a["code"]}
    areas_number = parents.pop() if len(parents) == 1 else "3.1"
    objectives_number = "2.2"
    if objectives_number in numbers:
        taken = [_number_key(n)[1] for n in numbers if len(_number_key(n)) == 2 and n[0] == "2"]
        objectives_number = f"2.{max(taken) + 1}"

    chapters: dict[str, DocumentChapter] = {}

    def chapter_of(number: str, heading: dict[str, str] | None) -> DocumentChapter:
        key = number.split(".")[0]
        if key not in chapters:
            chapters[key] = DocumentChapter(number=key, heading="")
        if not chapters[key].heading and heading:
            chapters[key].heading = localized(heading, lang)
        return chapters[key]

    for section in narrative:
        body = localized(section.get("body"), lang)
        lines = [line for line in body.split("\n") if line.strip()]
        target = chapter_of(section["number"], section.get("heading"))
        if section["number"] == areas_number and areas:
            # The areas come from the records, not from a list typed into the text.
            lines = [line for line in lines if not _AREA_ITEM.match(line.strip())]
            target.sections.append(
                DocumentSection(
                    number=areas_number,
                    paragraphs=lines or [_standard_intro("areas", parties, lang)],
                    bullets=[f"{a['code']} {localized(a['title'], lang)}" for a in areas],
                )
            )
            continue
        paragraphs = [line for line in lines if not line.startswith("- ")]
        bullets = [line[2:] for line in lines if line.startswith("- ")]
        target.sections.append(
            DocumentSection(number=section["number"], paragraphs=paragraphs, bullets=bullets)
        )
    objectives = [localized(o, lang) for o in plan.get("objectives", [])]
    if objectives:
        chapter_of(objectives_number, None).sections.append(
            DocumentSection(
                number=objectives_number,
                paragraphs=[_standard_intro("objectives", parties, lang)],
                bullets=objectives,
            )
        )
    if areas and areas_number not in numbers:
        chapter_of(areas_number, None).sections.append(
            DocumentSection(
                number=areas_number,
                paragraphs=[_standard_intro("areas", parties, lang)],
                bullets=[f"{a['code']} {localized(a['title'], lang)}" for a in areas],
            )
        )
    ordered = [chapters[k] for k in sorted(chapters, key=lambda n: _number_key(n))]
    for chapter in ordered:
        chapter.sections.sort(key=lambda s: _number_key(s.number))
        if not chapter.heading:
            standard = STANDARD_HEADINGS[lang]
            chapter.heading = standard.get(chapter.number, standard["other"])
    return PlanDocument(
        lang=lang,
        reference=plan["reference"],
        title=localized(plan["title"], lang),
        version=version,
        status=str(plan.get("status", "")),
        approval_date=plan.get("approval_date"),
        expiry_date=plan.get("expiry_date"),
        parties=parties,
        chapters=ordered,
        annex=_annex(snapshot, areas, lang, party_codes),
        consents=_consents(consents or [], lang),
    )


def _annex(
    snapshot: dict[str, Any], areas: list[dict[str, Any]], lang: str, party_codes: dict[str, str]
) -> list[AnnexArea]:
    labels = _LABELS[lang]
    by_area: dict[str, list[dict[str, Any]]] = {}
    for commitment in snapshot.get("commitments", []):
        if commitment.get("retired"):
            continue
        by_area.setdefault(str(commitment["priority_area_id"]), []).append(commitment)
    annex = []
    for area in areas:
        entries = []
        for c in sorted(by_area.get(str(area["id"]), []), key=lambda c: c["reference"]):
            details = [f"{labels['lead']} {party_codes.get(str(c['lead_party_id']), '?')}"]
            if c.get("start_date"):
                details.append(f"{labels['start']} {c['start_date']}")
            if c.get("due_date"):
                details.append(f"{labels['due']} {c['due_date']}")
            entries.append(
                AnnexCommitment(
                    reference=c["reference"],
                    title=localized(c["title"], lang),
                    details=", ".join(details) if lang == "en" else "、".join(details),
                )
            )
        annex.append(
            AnnexArea(
                code=area["code"],
                title=localized(area["title"], lang),
                description=localized(area.get("description"), lang),
                commitments=entries,
            )
        )
    return annex


def _meta_line(document: PlanDocument) -> str:
    labels = document.labels
    version = (
        f"{labels['version']} {document.version}"
        if document.version is not None
        else labels["current"]
    )
    parts = [document.reference, version, f"{labels['status']}: {document.status}"]
    if document.approval_date:
        parts.append(f"{labels['approval']}: {document.approval_date}")
    if document.expiry_date:
        parts.append(f"{labels['expiry']}: {document.expiry_date}")
    parts.append(f"{labels['parties']}: {', '.join(document.parties)}")
    return " · ".join(parts)


def render_markdown(document: PlanDocument) -> str:
    """The document as Markdown; it imports back (POST /plans/import) to the same structure."""
    out = [f"<!-- {_meta_line(document)} -->", f"# {document.title}", ""]
    for chapter in document.chapters:
        out += [f"## {chapter.number}. {chapter.heading}", ""]
        for section in chapter.sections:
            first, *rest = section.paragraphs or [""]
            out += [f"{section.number} {first}".rstrip(), ""]
            for paragraph in rest:
                out += [paragraph, ""]
            if section.bullets:
                out += [f"- {bullet}" for bullet in section.bullets] + [""]
    out += [document.end_marker, "", "---", "", f"## {document.labels['annex']}", ""]
    for area in document.annex:
        out += [f"### {area.code} {area.title}", ""]
        if area.description:
            out += [area.description, ""]
        if not area.commitments:
            out += [f"*{document.labels['none']}*", ""]
        out += [f"- **{c.reference}** {c.title} ({c.details})" for c in area.commitments]
        if area.commitments:
            out.append("")
    out += ["---", "", f"## {document.labels['consents']}", ""]
    if not document.consents:
        out += [f"*{document.labels['no_consents']}*", ""]
    for consent in document.consents:
        out += [f"### {consent.heading}", "", consent.title, ""]
        out += [f"- {approval}" for approval in consent.approvals] + [""]
    return "\n".join(out).rstrip("\n") + "\n"


_CSS = """@page { size: A4; margin: 22mm 20mm; }
body { font-family: "Noto Sans CJK JP", "Noto Sans CJK", "Noto Sans", sans-serif;
       font-size: 10.5pt; line-height: 1.6; color: #111; }
h1 { font-size: 16pt; text-align: center; margin-bottom: 0.4em; }
h2 { font-size: 12.5pt; margin-top: 1.4em; }
h3 { font-size: 11pt; margin-top: 1em; }
.meta { text-align: center; font-size: 8.5pt; color: #555; }
.section { margin: 0.6em 0; }
.number { font-weight: bold; margin-right: 0.5em; }
.end { text-align: right; margin-top: 2em; }
.annex { page-break-before: always; }
.details { color: #555; font-size: 9pt; }
"""

# What the page (_HTML) and the print rendering (_PRINT) both have: the head (the print's style
# adds the annex entries' spacing), the chapters with their numbered sections (the page gives
# each section an anchor, #s<number>), and the record of consent.
_PARTS = """{% macro opening(d, css, print=false) %}<!DOCTYPE html>
<html lang="{{ d.lang }}">
<head>
<meta charset="utf-8">
<title>{{ d.title }}</title>
<style>
{{ css }}{% if print %}.entry { margin: 0.15em 0; }
{% endif %}</style>
</head>
<body>{% endmacro %}
{% macro chapters(d, anchors) %}{% for chapter in d.chapters %}
<h2>{{ chapter.number }}. {{ chapter.heading }}</h2>
{% for section in chapter.sections %}
<div class="section"{% if anchors %} id="s{{ section.number }}"{% endif %}>
{% for paragraph in section.paragraphs %}
<p>{% if loop.first %}<span class="number">{{ section.number }}</span>{% endif %}{{ paragraph }}</p>
{% else %}
<p><span class="number">{{ section.number }}</span></p>
{% endfor %}
{% if section.bullets %}<ul>
{% for bullet in section.bullets %}<li>{{ bullet }}</li>
{% endfor %}</ul>{% endif %}
</div>
{% endfor %}
{% endfor %}{% endmacro %}
{% macro consents(d) %}<section class="annex consents">
<h2>{{ d.labels.consents }}</h2>
{% for consent in d.consents %}
<h3>{{ consent.heading }}</h3>
<p>{{ consent.title }}</p>
<ul>{% for approval in consent.approvals %}<li>{{ approval }}</li>{% endfor %}</ul>
{% else %}<p class="details">{{ d.labels.no_consents }}</p>
{% endfor %}
</section>{% endmacro %}
"""

_HTML = """{% from "parts" import opening, chapters, consents %}{{ opening(d, css) }}
<h1>{{ d.title }}</h1>
<p class="meta">{{ meta }}</p>
{{ chapters(d, anchors=true) }}
<p class="end">{{ d.end_marker }}</p>
<section class="annex">
<h2>{{ d.labels.annex }}</h2>
{% for area in d.annex %}
<h3>{{ area.code }} {{ area.title }}</h3>
{% if area.description %}<p>{{ area.description }}</p>{% endif %}
{% if area.commitments %}<ul>
{% for c in area.commitments %}<li><strong>{{ c.reference }}</strong> {{ c.title }}
<span class="details">({{ c.details }})</span></li>
{% endfor %}</ul>{% else %}<p class="details">{{ d.labels.none }}</p>{% endif %}
{% endfor %}
</section>
{{ consents(d) }}
</body>
</html>
"""
# The print rendering (PDF) of a part of the document. The annex is the long part of a large
# plan: one paragraph per commitment without inline boxes, list markers or spans, because
# WeasyPrint's layout costs per box (a `<li>` with a `<strong>` and a `<span>` cost about four
# times as much as a plain paragraph; see bench/README.md, issue 15).
_PRINT = """{% from "parts" import opening, chapters, consents %}{{ opening(d, css, print=true) }}
{% if first %}<h1>{{ d.title }}</h1>
<p class="meta">{{ meta }}</p>
{{ chapters(d, anchors=false) }}
<p class="end">{{ d.end_marker }}</p>
<section class="annex">
<h2>{{ d.labels.annex }}</h2>
{% endif %}
{% for area, commitments, continued in areas %}
<h3>{{ area.code }} {{ area.title }}{% if continued %} …{% endif %}</h3>
{% if not continued and area.description %}<p>{{ area.description }}</p>{% endif %}
{% for c in commitments %}<p class="entry">{{ c.reference }} {{ c.title }} ({{ c.details }})</p>
{% else %}{% if not continued %}<p class="details">{{ d.labels.none }}</p>{% endif %}{% endfor %}
{% endfor %}
{% if first %}</section>{% endif %}
{% if last %}{{ consents(d) }}{% endif %}
</body>
</html>
"""
_ENVIRONMENT = Environment(
    autoescape=select_autoescape(default=True, default_for_string=True),
    loader=DictLoader({"parts": _PARTS}),
)
_TEMPLATE = _ENVIRONMENT.from_string(_HTML)
# Our own constant style sheet, no user text: inserted as it is.
_STYLE = Markup(_CSS)  # noqa: S704
_PRINT_TEMPLATE = _ENVIRONMENT.from_string(_PRINT)

# Commitments of the annex per part of a PDF: each part is laid out on its own (in the child
# process, see documents/pdf.py), so the layout of a whole large plan is never in memory at
# once. A part after the first starts on a new page.
PDF_PART_COMMITMENTS = 1_000


def render_html(document: PlanDocument) -> str:
    """The document as a standalone HTML page (user text escaped)."""
    return _TEMPLATE.render(d=document, meta=_meta_line(document), css=_STYLE)


def render_html_chunks(document: PlanDocument) -> Iterator[str]:
    """`render_html` piece by piece (the same text), for a response written as it renders."""
    return _TEMPLATE.generate(d=document, meta=_meta_line(document), css=_STYLE)


AnnexSlice = tuple[AnnexArea, list[AnnexCommitment], bool]


def _annex_parts(annex: list[AnnexArea], size: int) -> list[list[AnnexSlice]]:
    """The annex's areas in parts of at most `size` commitments (an area split where a part
    fills up; its continuation is marked)."""
    parts: list[list[AnnexSlice]] = [[]]
    room = size
    for area in annex:
        start = 0
        while True:
            if room == 0:
                parts.append([])
                room = size
            taken = area.commitments[start : start + room]
            parts[-1].append((area, taken, start > 0))
            start += len(taken)
            room -= len(taken)
            if start >= len(area.commitments):
                break
    return parts


def render_print_parts(document: PlanDocument, size: int | None = None) -> list[str]:
    """The document as HTML for print (the PDF), in parts of at most `size` commitments of
    the annex: the first part has the text, the last the record of consent."""
    parts = _annex_parts(document.annex, size or PDF_PART_COMMITMENTS)
    meta = _meta_line(document)
    return [
        _PRINT_TEMPLATE.render(
            d=document,
            meta=meta,
            css=_STYLE,
            areas=areas,
            first=index == 0,
            last=index == len(parts) - 1,
        )
        for index, areas in enumerate(parts)
    ]


def render_pdf(parts: list[str], timeout: float | None = None) -> bytes:
    """The print parts (`render_print_parts`) as one PDF, with the (CJK) fonts it uses
    embedded. Slow, and blocking: it renders in a child process (documents/pdf.py) so the
    caller's memory stays flat; run it in a worker thread. TimeoutError after `timeout`
    seconds (the child is stopped then)."""
    from itpp_api.documents import pdf
    from itpp_api.observability import PDF_RENDERS

    with PDF_RENDERS.track_inprogress():
        return pdf.render(parts, timeout=timeout)


__all__ = [
    "PlanDocument",
    "build_document",
    "detect_language",
    "localized",
    "render_html",
    "render_html_chunks",
    "render_markdown",
    "render_pdf",
    "render_print_parts",
]
