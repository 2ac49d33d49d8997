"""HTTP route of the portfolio."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from itpp_api.auth import policy
from itpp_api.auth.dependencies import ActorDep
from itpp_api.auth.service import unauthorized
from itpp_api.conventions import json_response
from itpp_api.deps import SessionDep
from itpp_api.documents.render import localized
from itpp_api.documents.router import content_disposition
from itpp_api.documents.schemas import DocumentLanguage
from itpp_api.enums import PlanStatus
from itpp_api.errors import problem_responses
from itpp_api.portfolio import service
from itpp_api.portfolio.schemas import Portfolio
from itpp_api.routing import OneHopRoute
from itpp_api.transfer import tabular

router = APIRouter(tags=["portfolio"], route_class=OneHopRoute)

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The portfolio (JSON), or with `format` the table.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            tabular.TABLE_MEDIA_TYPES[tabular.TableFormat.XLSX]: {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    }
}


@router.get(
    "/portfolio",
    operation_id="getPortfolio",
    summary="Every plan of your party at a glance: term, next review, progress, health, "
    "consents awaiting, overdue commitments",
    description="The figures of each plan are the dashboard's, under the access policy: "
    "another party's internal commitments are never counted. Without filters, every plan "
    "of your party (no paging: a party holds tens to hundreds of plans). With `format`, the "
    "same rows as CSV (UTF-8 with BOM) or XLSX.",
    response_model=Portfolio,
    responses={**_RESPONSES, **problem_responses(401, 403, 422)},
)
def get_portfolio(
    actor: ActorDep,
    session: SessionDep,
    sort: Annotated[
        service.PortfolioSort,
        Query(
            description="Order of the plans; '-' for descending. Plans without the value come "
            "last; ties by reference."
        ),
    ] = service.PortfolioSort.REFERENCE,
    status: Annotated[
        list[PlanStatus] | None,
        Query(description="Only plans reading as these statuses today; repeat for several."),
    ] = None,
    partner: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=16,
            description="Only plans with this other party (its code, such as JP or AU).",
        ),
    ] = None,
    expires_within: Annotated[
        int | None,
        Query(
            ge=0,
            le=service.EXPIRY_WINDOW_MAX,
            description="Only plans expiring from today to this many days ahead "
            f"(0 to {service.EXPIRY_WINDOW_MAX}).",
        ),
    ] = None,
    format: Annotated[
        tabular.TableFormat | None,
        Query(description="csv or xlsx for a download; JSON without it."),
    ] = None,
    lang: Annotated[
        DocumentLanguage | None,
        Query(description="Language of the titles in a download; default: the reader's."),
    ] = None,
) -> Response:
    policy.require_signed_in(actor)
    if actor.party_id is None:
        raise unauthorized("Sign in as a user.")
    result = service.portfolio(
        session=session,
        actor=actor,
        sort=sort,
        statuses=status,
        partner=partner,
        expires_within=expires_within,
    )
    if format is None:
        return json_response(result)
    language = (lang or DocumentLanguage("ja" if actor.language == "ja" else "en")).value
    rows = service.table_rows(result["items"], lambda title: localized(title, language))
    if format is tabular.TableFormat.CSV:
        body = tabular.to_csv(service.TABLE_HEADER, rows)
    else:
        body = tabular.to_xlsx("portfolio", service.TABLE_HEADER, rows)
    filename = f"portfolio-{result['as_of'].isoformat()}.{format.value}"
    return Response(
        body,
        media_type=tabular.TABLE_MEDIA_TYPES[format],
        headers={"Content-Disposition": content_disposition("attachment", filename, filename)},
    )
