"""HTTP routes for exporting and importing whole plans, and commitment and exchange tables."""

import uuid
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response

from itpp_api import streaming
from itpp_api.auth import policy
from itpp_api.auth.dependencies import ActorDep
from itpp_api.commitments.router import CommitmentFiltersDep
from itpp_api.commitments.schemas import CommitmentSort
from itpp_api.conventions import IdempotencyKey, json_response
from itpp_api.deps import SessionDep
from itpp_api.documents.router import content_disposition
from itpp_api.documents.schemas import DocumentLanguage
from itpp_api.errors import problem_responses
from itpp_api.exchanges.router import ExchangeFiltersDep
from itpp_api.exchanges.schemas import ExchangeSort
from itpp_api.plans import service as plans
from itpp_api.routing import OneHopRoute
from itpp_api.transfer import service, tabular
from itpp_api.transfer.schemas import (
    EXPORT_EXAMPLE,
    JsonSchemaDocument,
    PlanExport,
    PlanExportImported,
    plan_export_json_schema,
)

router = APIRouter(tags=["exports"], route_class=OneHopRoute)

_ATTACHMENT_HEADER: dict[str, Any] = {
    "Content-Disposition": {
        "description": "attachment, with the file name.",
        "required": True,
        "schema": {"type": "string"},
    }
}


@router.get(
    "/plans/{plan_id}/export",
    operation_id="exportPlan",
    summary="Export a whole plan as one JSON document (what you may see of it)",
    response_model=PlanExport,
    responses={200: {"headers": _ATTACHMENT_HEADER}, **problem_responses(404, 422)},
)
def export_plan(plan_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    streaming.read_snapshot(session)
    plan = plans.get_plan(session=session, plan_id=plan_id, actor=actor)
    body = streaming.spool(service.export_chunks(session=session, actor=actor, plan=plan))
    return body.response(
        media_type="application/json",
        headers={
            "Content-Disposition": content_disposition(
                "attachment", f"{plan.reference}.itpp.json", f"{plan.reference}.itpp.json"
            )
        },
    )


@router.post(
    "/plans/import-json",
    operation_id="importPlanExport",
    summary="Import a whole plan from a plan export",
    description="The body is a plan export as `exportPlan` returns it. The request is "
    "documented as a plain object and validated here against `PlanExport` (the JSON Schema at "
    "/api/v1/schemas/plan-export.json): the whole export's schema is too large for request "
    "fuzzers to generate. Creates the plan and every record of the export, with their ids, in "
    "one transaction; parties, organisations and officials are matched by id, then by code or "
    "email. An export recording acts of another party (sign-offs, assessments, decisions) or "
    "its internal records is refused (403): an operator imports it with `itpp import json`.",
    status_code=201,
    response_model=PlanExportImported,
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
        **problem_responses(409, 413, 422),
    },
)
def import_plan_export(
    document: Annotated[
        dict[str, Any],
        Body(
            description="A plan export as `exportPlan` returns it: the `PlanExport` schema, "
            "also published as a JSON Schema at /api/v1/schemas/plan-export.json. Validated "
            "against it here (422 with the place of each error).",
            openapi_examples={"minimal": {"summary": "A draft plan", "value": EXPORT_EXAMPLE}},
        ),
    ],
    session: SessionDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    plan, created, notes = service.import_plan(
        session=session, actor=actor, document=service.validate_export(document)
    )
    return json_response(
        {"plan_id": plan.id, "reference": plan.reference, "created": created, "notes": notes},
        status_code=201,
        location=f"/api/v1/plans/{plan.id}",
    )


@router.get(
    "/schemas/plan-export.json",
    operation_id="getPlanExportSchema",
    summary="The JSON Schema of plan exports",
    response_model=JsonSchemaDocument,
    responses=problem_responses(),
)
def get_plan_export_schema(actor: ActorDep) -> Response:
    policy.require_signed_in(actor)
    return json_response(plan_export_json_schema())


Format = Annotated[tabular.TableFormat, Query(description="csv (UTF-8 with BOM) or xlsx.")]
Lang = Annotated[
    DocumentLanguage | None,
    Query(description="Language of the texts; default: the reader's (ja or en)."),
]
_TABLE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The table.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            tabular.TABLE_MEDIA_TYPES[tabular.TableFormat.XLSX]: {
                "schema": {"type": "string", "format": "binary"}
            },
        },
        "headers": _ATTACHMENT_HEADER,
    }
}


def _language(lang: DocumentLanguage | None, actor_language: str) -> str:
    return (lang or DocumentLanguage(actor_language if actor_language == "ja" else "en")).value


def _table_response(
    fmt: tabular.TableFormat, name: str, header: list[str], rows: Iterable[list[Any]]
) -> Response:
    if fmt is tabular.TableFormat.CSV:
        body = streaming.spool(tabular.csv_chunks(header, rows))
    else:
        body = streaming.spool_written(
            lambda file: tabular.write_xlsx(file, name.split("-")[-1], header, rows)
        )
    filename = f"{name}.{fmt.value}"
    return body.response(
        media_type=tabular.TABLE_MEDIA_TYPES[fmt],
        headers={"Content-Disposition": content_disposition("attachment", filename, filename)},
    )


@router.get(
    "/plans/{plan_id}/commitments/export",
    operation_id="exportCommitments",
    summary="The commitment list (same filters and order) as CSV or XLSX",
    response_class=Response,
    responses={**_TABLE_RESPONSES, **problem_responses(400, 404, 422)},
)
def export_commitments(
    plan_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    filters: CommitmentFiltersDep,
    format: Format = tabular.TableFormat.CSV,
    lang: Lang = None,
    sort: Annotated[
        CommitmentSort, Query(description="Stable order; '-' for descending.")
    ] = CommitmentSort.REFERENCE,
) -> Response:
    streaming.read_snapshot(session)
    plan = plans.get_plan(session=session, plan_id=plan_id, actor=actor)
    header, rows = tabular.commitment_table(
        session=session,
        actor=actor,
        plan_id=plan.id,
        filters=filters,
        sort=sort,
        lang=_language(lang, actor.language),
    )
    return _table_response(format, f"{plan.reference}-commitments", header, rows)


@router.get(
    "/plans/{plan_id}/exchanges/export",
    operation_id="exportExchanges",
    summary="The exchange list (same filters and order) as CSV or XLSX",
    response_class=Response,
    responses={**_TABLE_RESPONSES, **problem_responses(400, 404, 422)},
)
def export_exchanges(
    plan_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    filters: ExchangeFiltersDep,
    format: Format = tabular.TableFormat.CSV,
    lang: Lang = None,
    sort: Annotated[ExchangeSort, Query()] = ExchangeSort.START_DATE,
) -> Response:
    streaming.read_snapshot(session)
    plan = plans.get_plan(session=session, plan_id=plan_id, actor=actor)
    header, rows = tabular.exchange_table(
        session=session,
        actor=actor,
        plan_id=plan.id,
        filters=filters,
        sort=sort,
        lang=_language(lang, actor.language),
    )
    return _table_response(format, f"{plan.reference}-exchanges", header, rows)
