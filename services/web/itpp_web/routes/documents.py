"""The plan as a document in the browser, and the downloads (document, tables) that pass the
user's token to the API: the browser itself holds no API token."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from itpp_web.contract import models, operations
from itpp_web.routes.plans import portfolio_filters
from itpp_web.sanitise import sanitise
from itpp_web.web import ViewerDep, api_of, csrf_protect, language_of, renderer_of

router = APIRouter(dependencies=[Depends(csrf_protect)])

DOCUMENT_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
}
TABLE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# What each download asks the API for (its Accept): the media types the contract names.
DOCUMENT_ACCEPT: dict[str, operations.RenderPlanDocumentAccept] = {
    "md": "text/markdown",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
}
TABLE_ACCEPT: dict[str, operations.ExportCommitmentsAccept] = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# What the document's body may contain once shown inside our page: the API escapes record
# text already; this is a second fence (no scripts, styles, handlers or links out).
_ALLOWED_TAGS = {"h1", "h2", "h3", "p", "span", "div", "section", "ul", "ol", "li", "strong"}
# The annex's table of commitments, and the side-by-side edition's rows.
_ALLOWED_TAGS |= {"table", "thead", "tbody", "tr", "th", "td"}
_ALLOWED_ATTRIBUTES = {"*": {"class", "id", "lang"}}
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S | re.I)


def document_body(html: str) -> Markup:
    """The sanitised inside of the API's HTML rendering, with its headings moved one level
    down (the page keeps its own h1)."""
    match = _BODY.search(html)
    inner = match.group(1) if match else html
    clean = str(sanitise(inner, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES))
    for level in (3, 2, 1):
        clean = clean.replace(f"<h{level}", f"<h{level + 1}").replace(
            f"</h{level}>", f"</h{level + 1}>"
        )
    return Markup(clean)  # noqa: S704 - sanitised by itpp_web.sanitise just above


# The document's languages: one, or both side by side (HTML and PDF).
LANGUAGES = ("ja", "en", "ja-en")


def _document_params(lang: str | None, version: int | None) -> dict[str, Any]:
    """The document's query: its language (one of LANGUAGES) and version, where chosen."""
    params: dict[str, Any] = {}
    if lang in LANGUAGES:
        params["lang"] = lang
    if version:
        params["version"] = version
    return params


@router.get("/plans/{plan_id}/document")
async def plan_document(
    request: Request,
    plan_id: uuid.UUID,
    viewer: ViewerDep,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> Response:
    api = api_of(request)
    plan = await operations.get_plan(api, plan_id, token=viewer.token)
    versions = await operations.list_plan_versions(api, plan_id, token=viewer.token)
    language = lang if lang in LANGUAGES else None
    result = await operations.render_plan_document(
        api,
        plan_id,
        token=viewer.token,
        # The language is one of LANGUAGES, the editions the contract names.
        params=cast(
            "models.RenderPlanDocumentParametersQuery",
            {**_document_params(language, version), "format": "html"},
        ),
        accept="text/html",
    )
    body = document_body(result.content.decode("utf-8", errors="replace"))
    # Without a choice the API writes in the reader's language; its page says which.
    match = re.search(rb'<html lang="([a-z]+)"', result.content)
    shown_language = language or (match.group(1).decode() if match else "ja")
    return renderer_of(request)(
        request,
        "document.html",
        {
            "plan": plan,
            "versions": versions.get("items", []),
            "document": body,
            "document_language": shown_language,
            "version": version,
            "query": _document_params(shown_language, version),
        },
        block="document",
    )


def _download_name(disposition: str | None, fallback: str) -> str:
    return disposition or f'attachment; filename="{fallback}"'


@router.get("/plans/{plan_id}/document.{fmt}")
async def plan_document_download(
    request: Request,
    plan_id: uuid.UUID,
    fmt: str,
    viewer: ViewerDep,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> Response:
    if fmt not in DOCUMENT_TYPES:
        return Response(status_code=404)
    result = await operations.render_plan_document(
        api_of(request),
        plan_id,
        token=viewer.token,
        # The format is one of DOCUMENT_TYPES and the language one of LANGUAGES: values the
        # contract names.
        params=cast(
            "models.RenderPlanDocumentParametersQuery",
            {**_document_params(lang, version), "format": fmt},
        ),
        accept=DOCUMENT_ACCEPT[fmt],
    )
    return Response(
        result.content,
        media_type=DOCUMENT_TYPES[fmt],
        headers={
            "Content-Disposition": _download_name(
                result.headers.get("content-disposition"), f"plan.{fmt}"
            )
        },
    )


@router.get("/portfolio/export.{fmt}")
async def portfolio_download(request: Request, fmt: str, viewer: ViewerDep) -> Response:
    """The portfolio as CSV or XLSX, with the filters and order of the page's address."""
    if fmt not in TABLE_TYPES:
        return Response(status_code=404)
    filters, _errors = portfolio_filters(request)
    result = await operations.get_portfolio_file(
        api_of(request),
        token=viewer.token,
        # Filters checked by portfolio_filters, a format of TABLE_TYPES, the reader's language.
        params=cast(
            "models.GetPortfolioParametersQuery",
            {**filters, "format": fmt, "lang": language_of(request)},
        ),
        accept=TABLE_ACCEPT[fmt],
    )
    return Response(
        result.content,
        media_type=TABLE_TYPES[fmt],
        headers={
            "Content-Disposition": _download_name(
                result.headers.get("content-disposition"), f"portfolio.{fmt}"
            )
        },
    )


@router.get("/plans/{plan_id}/{table}/export.{fmt}")
async def table_download(
    request: Request, plan_id: uuid.UUID, table: str, fmt: str, viewer: ViewerDep
) -> Response:
    """Commitments or exchanges as CSV or XLSX, with the filters of the page's address."""
    if table not in ("commitments", "exchanges") or fmt not in TABLE_TYPES:
        return Response(status_code=404)
    # The page's filters passed on as the address has them (each value of a repeated one);
    # the API refuses a value it does not know (422), as for the page itself.
    sent: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        if name not in ("cursor", "limit", "format") and value:
            sent.setdefault(name, []).append(value)
    params = {**sent, "format": fmt}
    api = api_of(request)
    if table == "commitments":
        result = await operations.export_commitments(
            api,
            plan_id,
            token=viewer.token,
            params=cast("models.ExportCommitmentsParametersQuery", params),
            accept=TABLE_ACCEPT[fmt],
        )
    else:
        result = await operations.export_exchanges(
            api,
            plan_id,
            token=viewer.token,
            params=cast("models.ExportExchangesParametersQuery", params),
            accept=TABLE_ACCEPT[fmt],
        )
    return Response(
        result.content,
        media_type=TABLE_TYPES[fmt],
        headers={
            "Content-Disposition": _download_name(
                result.headers.get("content-disposition"), f"{table}.{fmt}"
            )
        },
    )
