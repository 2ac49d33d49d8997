"""Exports and documents of large plans: written a batch at a time, sent whole or not at all."""

import csv
import gc
import io
import json
import multiprocessing
import os
import tracemalloc
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from itpp_api.auth.actor import Actor
from itpp_api.commitments.models import Commitment
from itpp_api.config import get_settings
from itpp_api.db import table_of, transaction
from itpp_api.documents import pdf, render
from itpp_api.plans.models import Plan
from itpp_api.transfer import service as transfer
from itpp_api.transfer.service import dump_export, export_chunks
from tests.factories import World, make_commitment, make_world

PROBLEM = "application/problem+json"


def _many_commitments(world: World, count: int, start: int = 0) -> list[str]:
    """`count` shared commitments more in the plan (copies of one made through the service,
    inserted in one statement: the service would take minutes); their references."""
    first = make_commitment(world, description={"ja": "説明" * 40, "en": "Description " * 20})
    table = table_of(Commitment)
    with transaction(write=True) as session:
        row = dict(session.execute(select(table).where(table.c.id == first)).mappings().one())
        references = [f"CYB-{n:04d}" for n in range(start, start + count)]
        session.execute(
            table.insert(), [{**row, "id": uuid.uuid4(), "reference": r} for r in references]
        )
    return [row["reference"], *references]


def _export_peak(plan_id: uuid.UUID) -> tuple[int, bytes]:
    """The peak of memory the export's writer takes (beyond the pieces it gave), and the
    document."""
    pieces: list[bytes] = []
    tracemalloc.start()
    try:
        with transaction(write=False) as session:
            plan = session.get(Plan, plan_id)
            assert plan is not None
            baseline = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            pieces.extend(export_chunks(session=session, actor=Actor.system(), plan=plan))
            peak = tracemalloc.get_traced_memory()[1] - baseline - sum(map(len, pieces))
    finally:
        tracemalloc.stop()
    return peak, b"".join(pieces)


def _export_peak_alone(database_url: str, plan_id: uuid.UUID) -> tuple[int, bytes]:
    """_export_peak in a process of its own: tracemalloc counts every thread's allocations,
    so in the test's process whatever else runs (a test runner's threads, servers left by
    earlier tests) would be counted as the export's."""
    os.environ["ITPP_DATABASE_URL"] = database_url
    get_settings.cache_clear()
    gc.collect()
    return _export_peak(plan_id)


def _measured_alone(database_url: str, plan_id: uuid.UUID) -> tuple[int, bytes]:
    with ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        return pool.submit(_export_peak_alone, database_url, plan_id).result(timeout=600)


def test_a_large_exports_memory_stays_flat_as_the_plan_grows_and_its_form_is_canonical(
    db: Any,
) -> None:
    world = make_world()
    _many_commitments(world, 700)
    smaller_peak, smaller = _measured_alone(db.url, world.plan)
    _many_commitments(world, 1_400, start=700)
    peak, document = _measured_alone(db.url, world.plan)

    assert document == dump_export(json.loads(document))  # sorted keys, indent 2, final newline
    assert len(json.loads(document)["commitments"]) == 2_102
    assert len(document) > 2.5 * len(smaller)
    # A batch of records at a time: three times the plan, about the same memory (the whole
    # plan as Python data would take about three times as much too).
    assert peak < 1.5 * smaller_peak, (smaller_peak, peak)


def test_the_export_over_http_is_sent_whole_with_its_length(client: TestClient) -> None:
    world = make_world()
    references = _many_commitments(world, 600)

    response = client.get(f"/api/v1/plans/{world.plan}/export")

    assert response.status_code == 200, response.text
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.content == dump_export(json.loads(response.content))
    exported = [c["reference"] for c in response.json()["commitments"]]
    assert exported == sorted(references)


def test_an_export_that_fails_midway_is_a_problem_never_a_truncated_file(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world()
    _many_commitments(world, 600)
    keyset = transfer._keyset

    def failing_after_one_batch(*args: Any, **kwargs: Any) -> Iterator[list[Any]]:
        # (A list with nothing in it, such as the plan's attachments, ends as usual.)
        for batch in keyset(*args, **kwargs):
            yield batch
            raise OperationalError("SELECT …", {}, Exception("the connection broke"))

    monkeypatch.setattr(transfer, "_keyset", failing_after_one_batch)

    response = client.get(f"/api/v1/plans/{world.plan}/export")

    assert response.status_code == 503, response.text[:200]
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "retry-after" in response.headers
    assert b'"commitments"' not in response.content


def test_a_csv_over_the_row_limit_midway_is_refused_whole(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world()
    _many_commitments(world, 700)  # two pages of the list; the limit falls in the second
    monkeypatch.setenv("ITPP_EXPORT_MAX_ROWS", "600")
    from itpp_api.config import get_settings

    get_settings.cache_clear()
    try:
        refused = client.get(f"/api/v1/plans/{world.plan}/commitments/export")
        monkeypatch.setenv("ITPP_EXPORT_MAX_ROWS", "1000")
        get_settings.cache_clear()
        allowed = client.get(f"/api/v1/plans/{world.plan}/commitments/export")
    finally:
        get_settings.cache_clear()

    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert "More than 600 rows" in refused.json()["detail"]
    assert allowed.status_code == 200
    assert int(allowed.headers["content-length"]) == len(allowed.content)
    rows = list(csv.DictReader(io.StringIO(allowed.content.decode("utf-8-sig"))))
    assert len(rows) == 701


def test_a_pdf_laid_out_in_parts_has_every_commitment_in_order_and_its_fonts(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world()
    references = [
        make_commitment(world, title={"ja": f"サイバー演習 {n}", "en": f"Exercise {n}"})
        for n in range(5)
    ]
    assert references
    monkeypatch.setattr(render, "PDF_PART_COMMITMENTS", 2)

    response = client.get(
        f"/api/v1/plans/{world.plan}/document", params={"format": "pdf", "lang": "ja"}
    )

    assert response.status_code == 200, response.text
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    positions = [text.index(f"サイバー演習 {n}") for n in range(5)]
    assert positions == sorted(positions)
    assert text.index("（了）") < positions[0]
    assert text.index("同意の記録") > positions[-1]  # the record of consent, in the last part
    assert len(reader.pages) >= 3  # three parts, each from a new page
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"].values()  # type: ignore[index]
        assert any("CJK" in str(font.get_object()["/BaseFont"]) for font in fonts)


def test_a_pdf_over_its_time_stops_its_renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    taken: list[Any] = []
    take = pdf._take

    def recorded() -> Any:
        renderer = take()
        taken.append(renderer)
        return renderer

    monkeypatch.setattr(pdf, "_take", recorded)
    page = "<p>" + "長い文書 " * 2_000 + "</p>"

    with pytest.raises(TimeoutError):
        pdf.render([f"<html><body>{page * 50}</body></html>"], timeout=0.2)

    assert not taken[0].process.is_alive()  # not left rendering for nobody
    assert pdf.render(["<html><body><p>短い</p></body></html>"], timeout=60).startswith(b"%PDF")


def test_a_pdf_of_several_parts_is_laid_out_by_several_renderers_at_once_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    used: list[Any] = []
    take, start = pdf._take, pdf._start
    monkeypatch.setattr(pdf, "_take", lambda: used.append(take()) or used[-1])
    monkeypatch.setattr(pdf, "_start", lambda: used.append(start()) or used[-1])
    parts = [f"<html><body><p>第{n}部 part {n}</p></body></html>" for n in range(3)]

    content = pdf.render(parts, timeout=60, processes=2)

    reader = PdfReader(io.BytesIO(content))
    text = "".join(page.extract_text() for page in reader.pages)
    positions = [text.index(f"part {n}") for n in range(3)]
    assert positions == sorted(positions)
    # Two renderers laid out a run each and are gone; only the next spares are left waiting.
    done = {id(renderer) for renderer in used if renderer.process.exitcode is not None}
    assert len(done) == 2


def test_runs_of_parts_keep_their_order_and_share_the_text() -> None:
    parts = ["a" * 10, "b" * 10, "c" * 10, "d" * 10]

    assert pdf.runs_of(parts, 2) == [parts[:2], parts[2:]]
    assert pdf.runs_of(parts, 1) == [parts]
    assert pdf.runs_of(parts[:1], 4) == [parts[:1]]
    assert [p for run in pdf.runs_of(parts, 3) for p in run] == parts
    assert len(pdf.runs_of(parts, 3)) == 3


def test_parts_are_shared_out_evenly_among_the_renderers() -> None:
    # A plan's annex in parts of at most 1,000 commitments, as many for each renderer, so they
    # finish together; a short annex is not cut into parts smaller than the minimum.
    assert render.print_part_size(4_939, 2) == 824  # six parts, three for each of two
    assert render.print_part_size(4_939, 1) == 988  # five parts, one renderer
    assert render.print_part_size(1_200, 2) == 600  # two parts, one for each
    assert render.print_part_size(469, 2) == 469  # one part: two would be under the minimum
    assert render.print_part_size(0, 4) == 1


def test_a_pdf_over_its_time_stops_every_renderer_it_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[Any] = []
    take, start = pdf._take, pdf._start

    def taken() -> Any:
        renderer = take()
        started.append(renderer)
        return renderer

    def fresh() -> Any:
        renderer = start()
        started.append(renderer)
        return renderer

    monkeypatch.setattr(pdf, "_take", taken)
    monkeypatch.setattr(pdf, "_start", fresh)
    page = "<p>" + "長い文書 " * 2_000 + "</p>"
    long_part = f"<html><body>{page * 50}</body></html>"

    with pytest.raises(TimeoutError):
        pdf.render([long_part, long_part], timeout=0.5, processes=2)

    renderers = started[:2]  # the two that rendered; a third is the next spare
    assert all(not renderer.process.is_alive() for renderer in renderers)
