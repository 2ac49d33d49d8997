"""HTTP routes for the plan as a document: rendering, and importing a plan's text."""

import uuid
from collections.abc import Callable, Iterator
from typing import Annotated, Any
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from itpp_api import streaming
from itpp_api.auth.dependencies import ActorDep
from itpp_api.config import get_settings
from itpp_api.conventions import IdempotencyKey, json_response
from itpp_api.deps import SessionDep, end_transaction
from itpp_api.documents import odf, pdf, render, service, word
from itpp_api.documents.schemas import (
    DOCUMENT_MEDIA_TYPES,
    PLAN_TEXT_EXAMPLE,
    DocumentEdition,
    DocumentFormat,
    DocumentLanguage,
    PlanImportResult,
)
from itpp_api.errors import (
    FieldError,
    ServiceUnavailable,
    UnsupportedMediaType,
    ValidationFailed,
    problem_responses,
)
from itpp_api.plans import service as plans
from itpp_api.plans.schemas import PLAN_REFERENCE_PATTERN
from itpp_api.routing import OneHopRoute

router = APIRouter(tags=["documents"], route_class=OneHopRoute)

# The word processors' files: both written from the one layout (documents/layout.py).
_WORD_PROCESSORS: dict[DocumentFormat, Callable[[render.PlanDocument], bytes]] = {
    DocumentFormat.DOCX: word.render_docx,
    DocumentFormat.ODT: odf.render_odt,
}


def _pdf_limiter(request: Request) -> anyio.CapacityLimiter:
    """The app's bound on PDFs rendered at once, made on first use inside its event loop."""
    limiter: anyio.CapacityLimiter | None = getattr(request.app.state, "pdf_limiter", None)
    if limiter is None:
        limiter = anyio.CapacityLimiter(get_settings().document_pdf_workers)
        request.app.state.pdf_limiter = limiter
    return limiter


def content_disposition(disposition: str, ascii_name: str, name: str) -> str:
    """A Content-Disposition header with an ASCII filename and the full name per RFC 5987."""
    fallback = "".join(c if c.isascii() and c not in '"\\' else "_" for c in ascii_name)
    header = f'{disposition}; filename="{fallback}"'
    if name != fallback:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


_DOCUMENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The plan as a document.",
        "content": {
            "text/html": {"schema": {"type": "string"}},
            "text/markdown": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            DOCUMENT_MEDIA_TYPES[DocumentFormat.DOCX]: {
                "schema": {"type": "string", "format": "binary"}
            },
            DOCUMENT_MEDIA_TYPES[DocumentFormat.ODT]: {
                "schema": {"type": "string", "format": "binary"}
            },
        },
        "headers": {
            "Content-Disposition": {
                "description": "inline for HTML, attachment for Markdown, PDF, Word and "
                "OpenDocument; the file "
                "name carries the plan's reference and title (filename*, RFC 5987).",
                "required": True,
                "schema": {"type": "string"},
            }
        },
    }
}


@router.get(
    "/plans/{plan_id}/document",
    operation_id="renderPlanDocument",
    summary="The plan as a document (HTML, Markdown, PDF, Word or OpenDocument text) in the "
    "seed's structure",
    response_class=Response,
    responses={**_DOCUMENT_RESPONSES, **problem_responses(404, 422)},
)
async def render_plan_document(
    request: Request,
    plan_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    format: Annotated[
        DocumentFormat,
        Query(description="html, md, pdf, docx (Word) or odt (OpenDocument text)."),
    ] = DocumentFormat.HTML,
    lang: Annotated[
        DocumentEdition | None,
        Query(
            description="Language of the document: ja, en, or ja-en for the side-by-side "
            "edition (Japanese and English in two columns; not Markdown); default: the "
            "reader's (ja or en)."
        ),
    ] = None,
    version: Annotated[
        int | None,
        Query(ge=1, le=1_000_000, description="A recorded version; default: the plan as it is."),
    ] = None,
) -> Response:
    language = (lang or DocumentEdition(actor.language if actor.language == "ja" else "en")).value
    if lang is DocumentEdition.JA_EN and format is DocumentFormat.MD:
        raise ValidationFailed(
            "The side-by-side edition (lang=ja-en) is HTML, PDF, Word or OpenDocument; ask for "
            "Markdown in one language (lang=ja or lang=en).",
            errors=[
                FieldError(
                    loc=["query", "lang"],
                    msg="ja-en needs html, pdf, docx or odt",
                    type="value_error",
                )
            ],
        )

    def build() -> render.PlanDocument:
        # One read snapshot for the plan and its document (PostgreSQL: repeatable read).
        streaming.read_snapshot(session)
        plan = plans.get_plan(session=session, plan_id=plan_id, actor=actor)
        return service.plan_document(
            session=session, actor=actor, plan=plan, lang=language, version=version
        )

    document = await run_in_threadpool(build)
    # What is left needs no database; a PDF may take long, and waits for its worker: it must
    # not keep a connection (and a turn at the database) meanwhile.
    await end_transaction(session)
    body: streaming.Spooled
    if format is DocumentFormat.PDF:
        processes = get_settings().pdf_processes

        def print_parts() -> list[str]:
            parts = render.render_print_parts(document, processes=processes)
            del document.annex[:]  # the parts have it: the worker keeps one copy, not two
            service.check_document_bytes(sum(len(part.encode("utf-8")) for part in parts))
            return parts

        parts = await run_in_threadpool(print_parts)
        settings = get_settings()
        timeout = settings.document_pdf_timeout_seconds
        try:
            content = await anyio.to_thread.run_sync(
                pdf.render_pdf,
                parts,
                timeout,
                processes,
                limiter=_pdf_limiter(request),
            )
        except TimeoutError:
            raise ServiceUnavailable(
                f"The PDF took longer than {timeout:g} seconds to render; try again later or "
                "use format=html.",
                headers={"Retry-After": "30"},
            ) from None
        service.check_document_size(content)
        body = streaming.Spooled.of(content)
    elif format in _WORD_PROCESSORS:
        writer = _WORD_PROCESSORS[format]

        def written() -> bytes:
            content = writer(document)
            service.check_document_size(content)
            return content

        body = streaming.Spooled.of(await run_in_threadpool(written))
    else:

        def rendered() -> Iterator[bytes]:  # run by the worker thread that spools it
            if format is DocumentFormat.MD:
                yield render.render_markdown(document).encode("utf-8")
                return
            for text in render.render_html_chunks(document):
                yield text.encode("utf-8")

        body = await run_in_threadpool(streaming.spool, rendered(), service.check_document_bytes)
    suffix = f"-v{version}" if version else ""
    extension = format.value
    ascii_name = f"{document.reference}{suffix}-{language}.{extension}"
    full_name = f"{document.reference}{suffix} {document.title}.{extension}"
    disposition = "inline" if format is DocumentFormat.HTML else "attachment"
    return body.response(
        media_type=DOCUMENT_MEDIA_TYPES[format],
        headers={"Content-Disposition": content_disposition(disposition, ascii_name, full_name)},
    )


_UPLOAD_MEDIA_TYPE = "multipart/form-data"


async def _uploaded_document(request: Request) -> tuple[bytes, str | None]:
    """The bytes of the form's `file` part and the charset its Content-Type names."""
    media_type = (request.headers.get("content-type") or "").partition(";")[0].strip().lower()
    if media_type != _UPLOAD_MEDIA_TYPE:
        raise UnsupportedMediaType(
            "Upload the document as multipart/form-data with a `file` part "
            "(curl -F file=@plan.txt)."
        )
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ValidationFailed(
            "The form has no `file` part with the document.",
            errors=[FieldError(loc=["body", "file"], msg="a file is required", type="missing")],
        )
    charset = None
    for parameter in (upload.content_type or "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"') or None
    return await upload.read(), charset


@router.post(
    "/plans/import",
    operation_id="importPlanDocument",
    summary="Create a draft plan from the text of a plan document",
    description="Upload the document as the `file` part of a multipart/form-data body (text or "
    "Markdown, UTF-8 unless the part's Content-Type names another charset, e.g. "
    "`text/plain; charset=shift_jis`; or a Word document, .docx, or an OpenDocument text, "
    ".odt, recognised by its content (an ODF package's `mimetype` entry, a Word document's "
    "`word/document.xml`): its paragraphs, with the numbers kept as list or outline "
    "numbering, are read as the lines of the text, and the report's line numbers are then its "
    "paragraphs). A damaged .docx or .odt, or a ZIP that is neither, gets 422; one whose text "
    "is over four times the import limit once uncompressed gets 413. "
    "The response's `report` lists every line that is not "
    "part of the draft, with the reason, the defaults applied and what to check by hand. "
    "Nothing is created when the document cannot be imported.",
    status_code=201,
    response_model=PlanImportResult,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                _UPLOAD_MEDIA_TYPE: {
                    "schema": {"$ref": "#/components/schemas/PlanDocumentUpload"},
                    "example": {"file": PLAN_TEXT_EXAMPLE},
                    "encoding": {
                        "file": {
                            "contentType": "text/plain, text/markdown, "
                            + DOCUMENT_MEDIA_TYPES[DocumentFormat.DOCX]
                            + ", "
                            + DOCUMENT_MEDIA_TYPES[DocumentFormat.ODT]
                        }
                    },
                }
            },
        }
    },
    responses={
        201: {
            "headers": {
                "Location": {
                    "description": "The path of the new plan.",
                    "required": True,
                    "schema": {"type": "string"},
                }
            }
        },
        **problem_responses(400, 409, 413, 415, 422),
    },
)
async def import_plan_document(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    party: Annotated[
        list[str],
        Query(
            min_length=1,
            max_length=32,
            description="The plan's parties, by id or code (party=JP&party=NATO).",
        ),
    ],
    reference: Annotated[
        str | None,
        Query(pattern=PLAN_REFERENCE_PATTERN, description="The new plan's reference."),
    ] = None,
    lang: Annotated[
        DocumentLanguage | None,
        Query(description="The document's language; default: detected from its text."),
    ] = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    raw, charset = await _uploaded_document(request)

    def run() -> dict[str, Any]:
        plan, report = service.import_plan_text(
            session=session,
            actor=actor,
            raw=raw,
            charset=charset,
            party_references=party,
            reference=reference,
            lang=lang.value if lang else None,
        )
        return {
            "plan": plans.plan_as_dict(session=session, plan=plan, actor=actor),
            "report": service.report_to_dict(report),
        }

    body = await run_in_threadpool(run)
    return json_response(body, status_code=201, location=f"/api/v1/plans/{body['plan']['id']}")
