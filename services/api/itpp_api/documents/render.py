"""The plan as a document in the seed's structure, rendered as Markdown, HTML or PDF (and, in
documents/word.py, as Word).

The document is built from a snapshot of the plan (a recorded version, or the plan as it is
now), already filtered to what the reader may see: chapters 1–4 numbered like the seed, the
objectives as the bullets of §2.2, the priority areas as the `3.1.x` items of §3.1, and after
the end of the text an annex of the commitments under each area.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import zip_longest
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
        "reference": "番号",
        "commitment": "コミットメント",
        "details": "主導・期日",
        "title": "件名",
        "progress": "進捗",
        "lead_column": "主導",
        "due_column": "期日",
        "evidence": "根拠資料",
        "evidence_count": "根拠資料{n}件",
        "latest_update": "最新の確認済み進捗報告 {date}（{status}）",
        "no_update": "確認済みの進捗報告なし",
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
        "reference": "Reference",
        "commitment": "Commitment",
        "details": "Lead and dates",
        "title": "Title",
        "progress": "Progress",
        "lead_column": "Lead",
        "due_column": "Due",
        "evidence": "Evidence",
        "evidence_count": "evidence: {n} file(s)",
        "latest_update": "latest confirmed update {date} ({status})",
        "no_update": "no confirmed update",
    },
}
# A plan's status as the document's language says it (the meta line never prints the token).
_PLAN_STATUS = {
    "ja": {
        "draft": "草案",
        "active": "発効中",
        "expired": "期間満了",
        "superseded": "後継計画に移行",
        "terminated": "終了",
    },
    "en": {
        "draft": "Draft",
        "active": "In force",
        "expired": "Expired",
        "superseded": "Superseded",
        "terminated": "Terminated",
    },
}
_STATUSES = {
    "ja": {
        "planned": "予定",
        "in_progress": "実施中",
        "completed": "完了",
        "deferred": "延期",
        "cancelled": "中止",
    },
    "en": {
        "planned": "Planned",
        "in_progress": "In progress",
        "completed": "Completed",
        "deferred": "Deferred",
        "cancelled": "Cancelled",
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
    # The chapter's lead text: paragraphs before its first numbered section.
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class AnnexCommitment:
    reference: str
    # The title in the document's language (side by side: in each language, in order).
    titles: list[str]
    details: str
    lead: str = ""
    due: str = ""
    # Where it stands (the plan as it is; None in a recorded version).
    status: str | None = None
    progress: int | None = None
    # How many evidence files the reader may see (of it and its progress updates; None in a
    # recorded version).
    evidence: int | None = None
    # Its latest progress update that counts, as "date (status)" in the document's language
    # (None in a recorded version).
    latest_update: str | None = None

    @property
    def title(self) -> str:
        return self.titles[0]


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
    # A classification marking printed at the top and bottom of every page ("" for none).
    classification: str = ""
    # The annex shows each commitment's status and progress (the plan as it is).
    delivery: bool = False
    # The side-by-side edition: the same document in the other language (English beside
    # Japanese), rendered in a second column.
    parallel: "PlanDocument | None" = None

    @property
    def labels(self) -> dict[str, str]:
        return _LABELS[self.lang]

    @property
    def languages(self) -> list[str]:
        return [self.lang] + ([self.parallel.lang] if self.parallel else [])

    @property
    def running_header(self) -> str:
        """The reference and version printed at the top of each page."""
        versions = []
        for document in [self, *([self.parallel] if self.parallel else [])]:
            labels = document.labels
            versions.append(
                labels["version_of"].format(n=document.version)
                if document.version is not None
                else labels["current"]
            )
        return f"{self.reference} · {' / '.join(versions)}"

    def labels_of(self, lang: str) -> dict[str, str]:
        return _LABELS[lang]

    def both(self, key: str) -> str:
        """A label in the document's languages (side by side: 'ja / en')."""
        return " / ".join(_LABELS[lang][key] for lang in self.languages)

    @property
    def end_marker(self) -> str:
        return END_MARKER[self.lang]


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
    delivery: dict[str, tuple[str, int]] | None = None,
    classification: str = "",
    evidence: dict[str, int] | None = None,
    latest_updates: dict[str, tuple[str, str]] | None = None,
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
    lead = plan.get("lead_texts") or {}
    parents = {a["code"].rpartition(".")[0] for a in areas if "." in a["code"]}
    areas_number = parents.pop() if len(parents) == 1 else "3.1"
    objectives_number = (lead.get("objectives") or {}).get("number") or "2.2"
    if objectives_number in numbers or objectives_number == areas_number:
        taken = [_number_key(n)[1] for n in numbers if len(_number_key(n)) == 2 and n[0] == "2"]
        objectives_number = f"2.{max(taken, default=1) + 1}"

    def lines_of(text: dict[str, str] | None) -> list[str]:
        return [line for line in localized(text, lang).split("\n") if line.strip()]

    chapters: dict[str, DocumentChapter] = {}

    def chapter_of(number: str, heading: dict[str, str] | None) -> DocumentChapter:
        key = number.split(".")[0]
        if key not in chapters:
            chapters[key] = DocumentChapter(number=key, heading="")
        if not chapters[key].heading and heading:
            chapters[key].heading = localized(heading, lang)
        return chapters[key]

    for section in narrative:
        lines = lines_of(section.get("body"))
        target = chapter_of(section["number"], section.get("heading"))
        if section["number"] == areas_number and areas:
            # The areas come from the records, not from a list typed into the text.
            lines = [line for line in lines if not _AREA_ITEM.match(line.strip())]
            target.sections.append(
                DocumentSection(
                    number=areas_number,
                    paragraphs=lines or lines_of(lead.get("areas")),
                    bullets=[f"{a['code']} {localized(a['title'], lang)}" for a in areas],
                )
            )
            continue
        paragraphs = [line for line in lines if not line.startswith("- ")]
        bullets = [line[2:] for line in lines if line.startswith("- ")]
        target.sections.append(
            DocumentSection(number=section["number"], paragraphs=paragraphs, bullets=bullets)
        )
    # The signed lead texts; where there is none, the list stands under its number alone (a
    # sentence made up here would read as signed, and would come back as one on import).
    objectives = [localized(o, lang) for o in plan.get("objectives", [])]
    if objectives:
        chapter_of(objectives_number, None).sections.append(
            DocumentSection(
                number=objectives_number,
                paragraphs=lines_of((lead.get("objectives") or {}).get("text")),
                bullets=objectives,
            )
        )
    if areas and areas_number not in numbers:
        chapter_of(areas_number, None).sections.append(
            DocumentSection(
                number=areas_number,
                paragraphs=lines_of(lead.get("areas")),
                bullets=[f"{a['code']} {localized(a['title'], lang)}" for a in areas],
            )
        )
    for chapter_lead in lead.get("chapters") or []:
        target = chapter_of(chapter_lead["number"], None)
        if not target.heading and chapter_lead.get("heading"):
            target.heading = localized(chapter_lead["heading"], lang)
        target.paragraphs = lines_of(chapter_lead.get("text"))
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
        annex=_annex(snapshot, areas, lang, party_codes, delivery, evidence, latest_updates),
        consents=_consents(consents or [], lang),
        classification=classification,
        delivery=delivery is not None,
    )


def _annex(
    snapshot: dict[str, Any],
    areas: list[dict[str, Any]],
    lang: str,
    party_codes: dict[str, str],
    delivery: dict[str, tuple[str, int]] | None = None,
    evidence: dict[str, int] | None = None,
    latest_updates: dict[str, tuple[str, str]] | None = None,
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
            lead = party_codes.get(str(c["lead_party_id"]), "?")
            details = [f"{labels['lead']} {lead}"]
            if c.get("start_date"):
                details.append(f"{labels['start']} {c['start_date']}")
            if c.get("due_date"):
                details.append(f"{labels['due']} {c['due_date']}")
            status, progress, files, latest = (None, None, None, None)
            if delivery is not None:
                status, progress = delivery.get(str(c["id"]), ("planned", 0))
                details.append(f"{_STATUSES[lang].get(status, status)} {progress}%")
                files = (evidence or {}).get(str(c["id"]), 0)
                details.append(labels["evidence_count"].format(n=files))
                update = (latest_updates or {}).get(str(c["id"]))
                latest = (
                    labels["latest_update"].format(
                        date=update[0], status=_STATUSES[lang].get(update[1], update[1])
                    )
                    if update
                    else labels["no_update"]
                )
                details.append(latest)
            entries.append(
                AnnexCommitment(
                    reference=c["reference"],
                    titles=[localized(c["title"], lang)],
                    details=", ".join(details) if lang == "en" else "、".join(details),
                    lead=lead,
                    due=str(c.get("due_date") or ""),
                    status=None if status is None else _STATUSES[lang].get(status, status),
                    progress=progress,
                    evidence=files,
                    latest_update=latest,
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


def _status_text(document: PlanDocument) -> str:
    return _PLAN_STATUS[document.lang].get(document.status, document.status)


def meta_line(document: PlanDocument) -> str:
    labels = document.labels
    version = (
        f"{labels['version']} {document.version}"
        if document.version is not None
        else labels["current"]
    )
    parts = [document.reference, version, f"{labels['status']}: {_status_text(document)}"]
    if document.approval_date:
        parts.append(f"{labels['approval']}: {document.approval_date}")
    if document.expiry_date:
        parts.append(f"{labels['expiry']}: {document.expiry_date}")
    parts.append(f"{labels['parties']}: {', '.join(document.parties)}")
    return " · ".join(parts)


def render_markdown(document: PlanDocument) -> str:
    """The document as Markdown; it imports back (POST /plans/import) to the same structure."""
    out = [f"<!-- {meta_line(document)} -->", f"# {document.title}", ""]
    for chapter in document.chapters:
        out += [f"## {chapter.number}. {chapter.heading}", ""]
        for paragraph in chapter.paragraphs:
            out += [paragraph, ""]
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


_CSS = """body { font-family: "Noto Serif CJK JP", "Noto Serif CJK", "Noto Serif", serif;
       font-size: 10.5pt; line-height: 1.6; color: #111; }
h1 { font-size: 16pt; text-align: center; margin-bottom: 0.4em; }
h2 { font-size: 12.5pt; margin-top: 1.4em; }
h3 { font-size: 11pt; margin-top: 1em; }
.meta { text-align: center; font-size: 8.5pt; color: #444; }
.classification { text-align: center; font-weight: bold; letter-spacing: 0.1em; }
.section { margin: 0.6em 0; }
.number { font-weight: bold; margin-right: 0.5em; }
.end { text-align: right; margin-top: 2em; }
.annex { page-break-before: always; }
.details { color: #444; font-size: 9pt; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
table.commitments { font-size: 8.5pt; line-height: 1.35; }
table.commitments th, table.commitments td { border: 0.5pt solid #888; padding: 1pt 3pt;
  vertical-align: top; text-align: left; }
table.commitments th { background: #eee; }
td.num { text-align: right; }
.entry { margin: 0.15em 0; }
table.parallel td { vertical-align: top; padding: 0 0.6em; width: 50%; }
table.parallel tr.h1 td { font-size: 14pt; font-weight: bold; text-align: center; }
table.parallel tr.h2 td { font-size: 12pt; font-weight: bold; padding-top: 0.8em; }
table.parallel tr.li td { padding-left: 1.6em; }
"""
# The page of the print rendering: A4, the running header (the plan's reference and version)
# and the classification marking top and bottom. The page numbers are printed over the laid-out
# parts afterwards (`page_numbers`), so they run across the parts a large PDF is laid out in.
_PAGE_CSS = """@page { size: A4; margin: 24mm 20mm 22mm 20mm;
  @top-left { content: %(header)s; font-size: 8pt; color: #444; }
  %(marking)s}
"""
_MARKING_CSS = """@top-center { content: %(text)s; font-weight: bold; font-size: 9pt; }
  @bottom-center { content: %(text)s; font-weight: bold; font-size: 9pt; }
  """
_FONT = 'font-family: "Noto Serif CJK JP", "Noto Serif", "DejaVu Serif", serif;'


def _css_string(text: str) -> str:
    """`text` as a CSS string: every character but letters and digits escaped (six hex digits:
    the next character is never read as part of the escape), so no text (an operator's
    marking, a reference) can end the string or the style sheet."""
    out = []
    for char in text:
        if char.isalnum():
            out.append(char)
        else:
            out.append(f"\\{ord(char):06x}")
    return '"' + "".join(out) + '"'


def _page_css(document: "PlanDocument") -> str:
    marking = ""
    if document.classification:
        marking = _MARKING_CSS % {"text": _css_string(document.classification)}
    return _PAGE_CSS % {"header": _css_string(document.running_header), "marking": marking}


def page_numbers(count: int, first: int = 1, total: int | None = None) -> str:
    """HTML of `count` pages with nothing but their numbers ("n / total", from `first`) where
    the plan document's pages have none: laid over a run of the document's pages
    (documents/pdf.py)."""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><style>'
        "@page { size: A4; margin: 24mm 20mm 22mm 20mm; @bottom-right { content: counter(page)"
        f' " / {total or count}"; font-size: 8pt; {_FONT} }} }}'
        f"@page :first {{ counter-reset: page {first} }}"
        "div { break-before: page; }</style></head><body>"
        + "<div></div>" * count
        + "</body></html>"
    )


def warm_up_html() -> str:
    """A page in the print style with Japanese and Latin text, plain and bold, and a page
    number: a renderer waiting for work lays it out once, so the fonts are found, loaded and
    shaped before a request needs them (≈ 0.3 s of its first layout otherwise)."""
    return (
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><style>'
        + _CSS
        + "@page { size: A4; @top-left { content: counter(page); font-size: 8pt; } }"
        + '</style></head><body><h2>1. 政治的文脈及び原則</h2><p><span class="number">1.1</span>'
        "日本と北大西洋条約機構（NATO） Japan and NATO 2026</p>"
        '<p class="entry">CYB-0001 サイバー防衛 (lead JP, due 2026-12-31)</p></body></html>'
    )


# What the page (_HTML) and the print rendering (_PRINT) both have: the head (the print's style
# adds the page's margins and header), the title, the chapters with their numbered sections
# (the page gives each section an anchor, #s<number>) or, side by side, the two languages in
# rows, the annex's table of commitments, and the record of consent.
_PARTS = """{% macro opening(d, css, page_css="") %}<!DOCTYPE html>
<html lang="{{ d.lang }}">
<head>
<meta charset="utf-8">
<title>{{ d.title }}</title>
<style>
{{ css }}{{ page_css }}</style>
</head>
<body>{% if d.classification and not page_css %}
<p class="classification">{{ d.classification }}</p>{% endif %}{% endmacro %}
{% macro closing(d, print=false) %}{% if d.classification and not print %}
<p class="classification">{{ d.classification }}</p>{% endif %}
</body>
</html>
{% endmacro %}
{% macro title(d, meta) %}{% if d.parallel %}<table class="parallel">
<tr class="h1"><td lang="{{ d.lang }}">{{ d.title }}</td>{#
#}<td lang="{{ d.parallel.lang }}">{{ d.parallel.title }}</td></tr>
</table>{% else %}<h1>{{ d.title }}</h1>{% endif %}
<p class="meta">{{ meta }}</p>{% endmacro %}
{% macro chapters(d, anchors, rows) %}{% if d.parallel %}<table class="parallel">
{% for kind, number, left, right in rows %}<tr class="{{ kind }}">{#
#}<td lang="{{ d.lang }}">{% if number and left %}<span class="number">{{ number }}</span>{#
#}{% endif %}{{ left }}</td>{#
#}<td lang="{{ d.parallel.lang }}">{% if number and right %}<span class="number">{{ number }}{#
#}</span>{% endif %}{{ right }}</td></tr>
{% endfor %}</table>{% else %}{% for chapter in d.chapters %}
<h2>{{ chapter.number }}. {{ chapter.heading }}</h2>
{% for paragraph in chapter.paragraphs %}<p>{{ paragraph }}</p>
{% endfor %}
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
{% endfor %}{% endif %}
<p class="end">{{ d.end_marker }}{% if d.parallel %} {{ d.parallel.end_marker }}{% endif %}</p>{#
#}{% endmacro %}
{% macro commitments(d, entries) %}<table class="commitments">
<colgroup><col style="width: 15%">{% for lang in d.languages %}<col>{% endfor %}{#
#}<col style="width: 8%"><col style="width: 12%">{% if d.delivery %}{#
#}<col style="width: {{ 13 * d.languages|length }}%"><col style="width: 9%">{#
#}<col style="width: {{ 9 * d.languages|length }}%">{% endif %}</colgroup>
<thead><tr><th>{{ d.both("reference") }}</th>{#
#}{% for lang in d.languages %}<th>{{ d.labels_of(lang).title }}</th>{% endfor %}{#
#}<th>{{ d.both("lead_column") }}</th><th>{{ d.both("due_column") }}</th>{% if d.delivery %}{#
#}<th>{{ d.both("status") }}</th><th>{{ d.both("progress") }}</th>{#
#}<th>{{ d.both("evidence") }}</th>{% endif %}</tr></thead>
<tbody>
{% for c in entries %}<tr><td>{{ c.reference }}</td>{#
#}{% for title in c.titles %}<td>{{ title }}</td>{% endfor %}<td>{{ c.lead }}</td>{#
#}<td>{{ c.due }}</td>{% if d.delivery %}<td>{{ c.status }}</td>{#
#}<td class="num">{{ c.progress }}%</td><td class="num">{{ c.evidence }}{#
#}{% if c.latest_update %}<br><small>{{ c.latest_update }}</small>{% endif %}</td>{% endif %}</tr>
{% endfor %}</tbody>
</table>{% endmacro %}
{% macro consents(d) %}<section class="annex consents">
<h2>{{ d.both("consents") }}</h2>
{% for document in [d, d.parallel] if document %}{% for consent in document.consents %}
<h3>{{ consent.heading }}</h3>
<p>{{ consent.title }}</p>
<ul>{% for approval in consent.approvals %}<li>{{ approval }}</li>{% endfor %}</ul>
{% else %}<p class="details">{{ document.labels.no_consents }}</p>
{% endfor %}{% endfor %}
</section>{% endmacro %}
"""

_HTML = """{% from "parts" import opening, closing, title, chapters, commitments, consents %}{#
#}{{ opening(d, css) }}
{{ title(d, meta) }}
{{ chapters(d, anchors=true, rows=rows) }}
<section class="annex">
<h2>{{ d.both("annex") }}</h2>
{% for area in d.annex %}
<h3>{{ area.code }} {{ area.title }}</h3>
{% if area.description %}<p>{{ area.description }}</p>{% endif %}
{% if area.commitments %}{{ commitments(d, area.commitments) }}{% else %}{#
#}<p class="details">{{ d.both("none") }}</p>{% endif %}
{% endfor %}
</section>
{{ consents(d) }}
{{ closing(d) }}"""
# The print rendering (PDF) of a part of the document. The annex is the long part of a large
# plan: a table (fixed layout, plain cells) while it is short, else one plain paragraph per
# commitment with the same fields, because WeasyPrint lays out a table row about three times as
# slowly as a paragraph (6.5 ms against 2 ms; see bench/README.md, issues 15 and 21).
_PRINT = """{% from "parts" import opening, closing, title, chapters, commitments, consents %}{#
#}{{ opening(d, css, page_css) }}
{% if first %}{{ title(d, meta) }}
{{ chapters(d, anchors=false, rows=rows) }}
<section class="annex">
<h2>{{ d.both("annex") }}</h2>
{% endif %}
{% for area, entries, continued in areas %}
<h3>{{ area.code }} {{ area.title }}{% if continued %} …{% endif %}</h3>
{% if not continued and area.description %}<p>{{ area.description }}</p>{% endif %}
{% if entries and table %}{{ commitments(d, entries) }}{% elif entries %}{#
#}{% for c in entries %}<p class="entry">{{ c.reference }} {{ c.titles|join(" / ") }} {#
#}({{ c.details }})</p>
{% endfor %}{% elif not continued %}{#
#}<p class="details">{{ d.both("none") }}</p>{% endif %}
{% endfor %}
{% if first %}</section>{% endif %}
{% if last %}{{ consents(d) }}{% endif %}
{{ closing(d, print=true) }}"""
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
# Parts are not made smaller than this to share a document out among more children: a part
# has a fixed cost (its style sheet, its fonts' subset, a new page), so a plan of a few hundred
# commitments gains little from two and its file grows by half (bench/README.md, issue 15).
PDF_PART_MIN_COMMITMENTS = 500
# The PDF's annex is a table up to this many commitments (≈ 1.6 s of layout), beyond it one
# paragraph per commitment, so a large plan's PDF keeps its time (issue 15: 10,000 commitments
# in 10 s).
PDF_TABLE_COMMITMENTS = 250


def _context(document: PlanDocument) -> dict[str, Any]:
    meta = meta_line(document)
    if document.parallel:
        meta += " / " + meta_line(document.parallel)
    return {"d": document, "meta": meta, "css": _STYLE, "rows": parallel_rows(document)}


def render_html(document: PlanDocument) -> str:
    """The document as a standalone HTML page (user text escaped)."""
    return _TEMPLATE.render(**_context(document))


def render_html_chunks(document: PlanDocument) -> Iterator[str]:
    """`render_html` piece by piece (the same text), for a response written as it renders."""
    return _TEMPLATE.generate(**_context(document))


Row = tuple[str, str, str, str]


def parallel_rows(document: PlanDocument) -> list[Row]:
    """The side-by-side edition's text as rows (kind, number, left, right): each chapter's
    heading, then its paragraphs, each section's paragraphs (the number with the first) and
    bullets, the two languages' n-th lines beside each other."""
    other = document.parallel
    if other is None:
        return []
    rows: list[Row] = []

    def pair(kind: str, number: str, left: list[str], right: list[str]) -> None:
        for index, (a, b) in enumerate(zip_longest(left, right, fillvalue="")):
            rows.append((kind, number if index == 0 else "", a, b))

    chapters = {c.number: c for c in other.chapters}
    for chapter in document.chapters:
        twin = chapters.get(chapter.number) or DocumentChapter(chapter.number, "")
        rows.append(
            ("h2", "", f"{chapter.number}. {chapter.heading}", f"{twin.number}. {twin.heading}")
        )
        pair("p", "", chapter.paragraphs, twin.paragraphs)
        sections = {s.number: s for s in twin.sections}
        for section in chapter.sections:
            match = sections.get(section.number) or DocumentSection(section.number)
            pair("p", section.number, section.paragraphs or [""], match.paragraphs or [""])
            pair("li", "", section.bullets, match.bullets)
    return rows


def side_by_side(document: PlanDocument, other: PlanDocument) -> PlanDocument:
    """The side-by-side edition: `document` with `other` (the same plan in another language)
    beside it; the annex's areas and commitments carry both languages' titles and details."""
    document.parallel = other
    for area, twin in zip(document.annex, other.annex, strict=True):
        area.title = f"{area.title} / {twin.title}"
        if twin.description:
            area.description = f"{area.description} / {twin.description}".strip(" /")
        for commitment, match in zip(area.commitments, twin.commitments, strict=True):
            commitment.titles += match.titles
            # Lead, dates and where it stands, said in each language (the Word and ODF annex
            # and the long PDF's paragraphs show them as one text).
            commitment.details = f"{commitment.details} / {match.details}"
            if commitment.status is not None:
                commitment.status = f"{commitment.status} / {match.status}"
            if commitment.latest_update is not None:
                commitment.latest_update = f"{commitment.latest_update} / {match.latest_update}"
    other.annex = []
    return document


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


def print_part_size(commitments: int, processes: int) -> int:
    """Commitments of the annex per part of a PDF laid out by up to `processes` children: at
    most PDF_PART_COMMITMENTS, and as many parts for each child (so they finish together), but
    no more parts than hold PDF_PART_MIN_COMMITMENTS each (each part lays out its own style
    sheet and embeds its own fonts)."""
    smallest = min(PDF_PART_MIN_COMMITMENTS, PDF_PART_COMMITMENTS)
    processes = max(1, processes)
    per_process = -(-commitments // (processes * PDF_PART_COMMITMENTS))  # ceil
    needed = -(-commitments // PDF_PART_COMMITMENTS)
    parts = max(1, needed, min(processes * per_process, commitments // smallest))
    return max(1, -(-commitments // parts))


def render_print_parts(
    document: PlanDocument, size: int | None = None, processes: int = 1
) -> list[str]:
    """The document as HTML for print (the PDF), in parts of at most `size` commitments of
    the annex (by default `print_part_size` for `processes` children): the first part has the
    text, the last the record of consent."""
    entries = sum(len(area.commitments) for area in document.annex)
    parts = _annex_parts(document.annex, size or print_part_size(entries, processes))
    context = _context(document)
    table = entries <= PDF_TABLE_COMMITMENTS
    # Our own style sheet; the texts in it are CSS-escaped (`_css_string`).
    page_css = Markup(_page_css(document))  # noqa: S704
    return [
        _PRINT_TEMPLATE.render(
            **context,
            page_css=page_css,
            table=table,
            areas=areas,
            first=index == 0,
            last=index == len(parts) - 1,
        )
        for index, areas in enumerate(parts)
    ]


__all__ = [
    "PlanDocument",
    "build_document",
    "detect_language",
    "localized",
    "meta_line",
    "render_html",
    "render_html_chunks",
    "render_markdown",
    "render_print_parts",
    "side_by_side",
]
