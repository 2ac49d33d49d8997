"""Request and response models of plan documents and their import."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from itpp_api.documents.parser import UNMAPPED_KINDS
from itpp_api.plans.schemas import PlanPublic


class DocumentFormat(StrEnum):
    HTML = "html"
    MD = "md"
    PDF = "pdf"
    DOCX = "docx"
    ODT = "odt"


class DocumentLanguage(StrEnum):
    JA = "ja"
    EN = "en"


class DocumentEdition(StrEnum):
    """The language of a rendered document: one, or both side by side (ja | en columns)."""

    JA = "ja"
    EN = "en"
    JA_EN = "ja-en"


DOCUMENT_MEDIA_TYPES = {
    DocumentFormat.HTML: "text/html; charset=utf-8",
    DocumentFormat.MD: "text/markdown; charset=utf-8",
    DocumentFormat.PDF: "application/pdf",
    DocumentFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    DocumentFormat.ODT: "application/vnd.oasis.opendocument.text",
}


class PlanDocumentUpload(BaseModel):
    """The form of importPlanDocument: the plan document as a file part (multipart/form-data).

    The part's Content-Type may name the document's charset (`text/plain; charset=shift_jis`);
    without one it is read as UTF-8 (a UTF-8 or UTF-16 byte order mark is recognised). A Word
    document (.docx) or an OpenDocument text (.odt) is recognised by its content (a ZIP whose
    `mimetype` entry names an OpenDocument text, else one holding `word/document.xml`), whatever
    the part's name or Content-Type.
    """

    model_config = ConfigDict(json_schema_extra={"example": {"file": "(the document's bytes)"}})

    file: bytes = Field(
        description="The plan document in the seed's numbered structure: text, Markdown, "
        "Word (.docx) or OpenDocument text (.odt)."
    )


UnmappedKind = StrEnum("UnmappedKind", {kind.upper(): kind for kind in UNMAPPED_KINDS})  # type: ignore[misc]


class UnmappedLine(BaseModel):
    """A line of the document the import could not place in the plan."""

    line: int = Field(
        description="Line number in the document, from 1 (in a Word document or an "
        "OpenDocument text: its paragraph, a table row counting as one)."
    )
    text: str
    reason: str = Field(description="Why, in English.")
    kind: UnmappedKind = Field(
        description="Why, as a stable token (a client says it in the reader's language): "
        "after_end (after the end of the plan text), chapter_without_heading, "
        "chapter_before_title, duplicate_chapter, duplicate_section, item_outside_section "
        "(x.y.z not under section x.y), area_without_title, duplicate_area, numbering_too_deep, "
        "text_before_chapter_1, text_outside_section, bullet_without_code (among the priority "
        "areas), second_area_list, text_after_area_list, text_after_objectives, empty_section."
    )


class PredecessorReference(BaseModel):
    """An earlier agreement the text refers to (kept as narrative)."""

    section: str
    date: str


class PlanImportReport(BaseModel):
    """What the import made of the document."""

    language: str = Field(description="The language the texts were recorded in.")
    unmapped: list[UnmappedLine] = Field(
        description="Every non-blank line that is not part of the draft, with the reason."
    )
    notes: list[str] = Field(description="Defaults applied and things to check by hand.")
    predecessor_references: list[PredecessorReference]


class PlanImportResult(BaseModel):
    """The draft plan created from a document, and the report to check it against."""

    plan: PlanPublic
    report: PlanImportReport


PLAN_TEXT_EXAMPLE = """日NATO国別パートナーシップ協力計画

1. 政治的文脈及び原則

1.1 日本及びNATOは、信頼できる必然のパートナーである。

2. 協力の目的及び様式

2.2 日本と NATO は、次のとおり協力を推進する。

- 日本と NATO との間におけるハイレベル対話の強化。

3. 協力の優先分野

3.1 次の優先分野に焦点を当てた実務的な協力を促進する。

- 3.1.1 サイバー防衛

4. 見直し手続き

4.1 本計画は、承認日から 2 年を期限として開始する。
"""
