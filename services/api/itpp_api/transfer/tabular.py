"""Commitments and exchanges as CSV (UTF-8 with BOM) and XLSX, safe to open in a spreadsheet.

A cell a spreadsheet program would read as a formula (text starting with = + - @, a tab or a
carriage return, in half or full width) is written with a leading apostrophe, so a title such
as `=HYPERLINK(…)` stays text (OWASP, "CSV injection").
"""

import csv
import io
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from enum import StrEnum
from typing import IO, Any

import orjson
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlmodel import Session, select

from itpp_api.auth.actor import Actor
from itpp_api.commitments import service as commitments
from itpp_api.commitments.schemas import CommitmentSort
from itpp_api.config import get_settings
from itpp_api.documents.render import localized
from itpp_api.errors import RuleViolation
from itpp_api.exchanges import service as exchanges
from itpp_api.exchanges.schemas import ExchangeSort
from itpp_api.parties.models import Organisation, Party
from itpp_api.wire import dump_json

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_PAGE = 500

Cell = str | int | date | None


class TableFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


TABLE_MEDIA_TYPES = {
    TableFormat.CSV: "text/csv; charset=utf-8",
    TableFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def neutralise(value: str) -> str:
    """Text a spreadsheet shows as text, never evaluates."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _cell(value: Any) -> Cell:
    if value is None or isinstance(value, bool):
        return None if value is None else ("yes" if value else "no")
    if isinstance(value, int | date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return neutralise(str(value))


def csv_chunks(header: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """CSV in UTF-8 with a byte order mark (so Excel in Japanese opens it right), a few hundred
    rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    yield b"\xef\xbb\xbf"
    for count, row in enumerate(rows, start=1):
        writer.writerow(
            [
                "" if c is None else c.isoformat() if isinstance(c, date) else c
                for c in map(_cell, row)
            ]
        )
        if count % _PAGE == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def to_csv(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    """The whole CSV (`csv_chunks` joined)."""
    return b"".join(csv_chunks(header, rows))


def write_xlsx(file: IO[bytes], sheet: str, header: list[str], rows: Iterable[list[Any]]) -> None:
    """An XLSX workbook of one sheet, written to `file`; every text cell is a string, never a
    formula. openpyxl's write-only mode keeps the rows in a temporary file, not in memory."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append(header)
    for row in rows:
        cells = []
        for value in map(_cell, row):
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cells.append(value)
        worksheet.append(cells)
    workbook.save(file)


def to_xlsx(sheet: str, header: list[str], rows: Iterable[list[Any]]) -> bytes:
    """The whole XLSX workbook (`write_xlsx` to memory)."""
    buffer = io.BytesIO()
    write_xlsx(buffer, sheet, header, rows)
    return buffer.getvalue()


def _codes(session: Session) -> tuple[dict[uuid.UUID, str], dict[uuid.UUID, str]]:
    parties = {row.id: row.code for row in session.execute(select(Party.id, Party.code))}
    organisations = {
        row.id: row.code for row in session.execute(select(Organisation.id, Organisation.code))
    }
    return parties, organisations


def _all_pages(
    fetch: Callable[[str | None], tuple[list[dict[str, Any]], str | None, int | None]],
) -> Iterator[dict[str, Any]]:
    """The list's items, a page at a time (the list's own cursor pagination)."""
    limit = get_settings().export_max_rows
    count = 0
    cursor: str | None = None
    while True:
        page, cursor, _ = fetch(cursor)
        count += len(page)
        if count > limit:
            raise RuleViolation(
                f"More than {limit} rows match: narrow the filters (ITPP_EXPORT_MAX_ROWS)."
            )
        # The list's rows hold pre-serialized JSON (orjson fragments): plain JSON data here.
        yield from orjson.loads(dump_json(page))
        if cursor is None:
            return


# A table's columns: each one's header and how its cell is read from a list item, written once
# together, so a header never names another column's cells.
Columns = tuple[tuple[str, Callable[[dict[str, Any]], Any]], ...]


def _table(
    columns: Columns, items: Iterable[dict[str, Any]]
) -> tuple[list[str], Iterator[list[Any]]]:
    """The header and the rows (read as they are written) of a table of `items`."""
    cells = [cell for _, cell in columns]
    return [name for name, _ in columns], ([cell(item) for cell in cells] for item in items)


def commitment_table(
    *,
    session: Session,
    actor: Actor,
    plan_id: uuid.UUID,
    filters: commitments.CommitmentFilters,
    sort: CommitmentSort,
    lang: str,
) -> tuple[list[str], Iterator[list[Any]]]:
    """The rows of the commitment list with its filters and order, for a table (read a page
    at a time as they are written)."""
    items = _all_pages(
        lambda cursor: commitments.list_commitments(
            session=session,
            actor=actor,
            plan_id=plan_id,
            filters=filters,
            sort=sort,
            cursor=cursor,
            limit=_PAGE,
            count=False,
        )
    )
    parties, organisations = _codes(session)

    def org(value: Any) -> str | None:
        return organisations.get(uuid.UUID(str(value))) if value else None

    columns: Columns = (
        ("reference", lambda c: c["reference"]),
        ("priority_area", lambda c: c["priority_area_code"]),
        ("title", lambda c: localized(c["title"], lang)),
        ("description", lambda c: localized(c["description"], lang) or None),
        ("modality", lambda c: str(c["modality"])),
        ("lead_party", lambda c: parties.get(uuid.UUID(str(c["lead_party_id"])))),
        ("lead_organisation", lambda c: org(c["lead_organisation_id"])),
        (
            "supporting_organisations",
            lambda c: (
                " ".join(
                    organisations.get(uuid.UUID(str(o)), str(o))
                    for o in c["supporting_organisation_ids"]
                )
                or None
            ),
        ),
        ("start_date", lambda c: _date(c["start_date"])),
        ("due_date", lambda c: _date(c["due_date"])),
        ("status", lambda c: str(c["status"])),
        ("progress", lambda c: c["progress"]),
        ("health", lambda c: str(c["health"]) if c["health"] else None),
        ("overdue", lambda c: c["is_overdue"]),
        ("milestones", lambda c: len(c["milestones"])),
        ("milestones_done", lambda c: sum(1 for m in c["milestones"] if m.get("done_on"))),
        ("pcm_activity_ref", lambda c: c["pcm_activity_ref"]),
        ("visibility", lambda c: str(c["visibility"])),
        ("updated_at", lambda c: c["updated_at"]),
    )
    return _table(columns, items)


def exchange_table(
    *,
    session: Session,
    actor: Actor,
    plan_id: uuid.UUID,
    filters: exchanges.ExchangeFilters,
    sort: ExchangeSort,
    lang: str,
) -> tuple[list[str], Iterator[list[Any]]]:
    """The rows of the exchange list with its filters and order, for a table (read a page
    at a time as they are written)."""
    items = _all_pages(
        lambda cursor: exchanges.list_exchanges(
            session=session,
            actor=actor,
            plan_id=plan_id,
            filters=filters,
            sort=sort,
            cursor=cursor,
            limit=_PAGE,
            count=False,
        )
    )
    parties, organisations = _codes(session)

    def org(value: Any) -> str | None:
        return organisations.get(uuid.UUID(str(value))) if value else None

    columns: Columns = (
        ("reference", lambda e: e["reference"]),
        ("kind", lambda e: str(e["kind"])),
        ("title", lambda e: localized(e["title"], lang)),
        ("from_party", lambda e: parties.get(uuid.UUID(str(e["from_party_id"])))),
        ("from_organisation", lambda e: org(e["from_organisation_id"])),
        ("to_party", lambda e: parties.get(uuid.UUID(str(e["to_party_id"])))),
        ("to_organisation", lambda e: org(e["to_organisation_id"])),
        ("start_date", lambda e: _date(e["start_date"])),
        ("end_date", lambda e: _date(e["end_date"])),
        ("location", lambda e: e["location"]),
        ("status", lambda e: str(e["status"])),
        ("post_title", lambda e: localized(e["post_title"], lang) or None),
        ("host_organisation", lambda e: org(e["host_organisation_id"])),
        ("commitments", lambda e: " ".join(c["reference"] for c in e["commitments"]) or None),
        (
            "participants",
            lambda e: (
                "; ".join(
                    " ".join(v for v in (p.get("role"), p.get("name")) if v)
                    for p in e["participants"]
                )
                or None
            ),
        ),
        ("outcome", lambda e: localized(e["outcome"], lang) or None),
        ("lessons_learned", lambda e: localized(e["lessons_learned"], lang) or None),
        ("visibility", lambda e: str(e["visibility"])),
        ("updated_at", lambda e: e["updated_at"]),
    )
    return _table(columns, items)


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
