"""The web reads the API through a client generated from the committed OpenAPI document
(`itpp_web.contract`): the committed client is exactly what the generator makes of the document,
and a field renamed in the contract fails the web's type check instead of a page at run time."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "services" / "web" / "generate_contract.py"
OPENAPI = ROOT / "services" / "api" / "openapi.json"
WEB_PACKAGE = ROOT / "services" / "web" / "itpp_web"


def test_the_committed_client_is_what_the_openapi_document_generates() -> None:
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _web_with_contract(tmp_path: Path, document: dict[str, object]) -> Path:
    """A copy of the web's Python modules whose client is generated from `document`."""
    copy = tmp_path / "web"
    shutil.copytree(
        WEB_PACKAGE,
        copy / "itpp_web",
        ignore=shutil.ignore_patterns("static", "templates", "locales", "__pycache__"),
    )
    openapi = tmp_path / "openapi.json"
    openapi.write_text(json.dumps(document), encoding="utf-8")
    subprocess.run(
        [
            sys.executable,
            str(GENERATOR),
            "--openapi",
            str(openapi),
            "--output",
            str(copy / "itpp_web" / "contract"),
        ],
        check=True,
        timeout=300,
    )
    return copy


def _type_check(tmp_path: Path, web: Path) -> subprocess.CompletedProcess[str]:
    settings = tmp_path / "mypy.ini"
    settings.write_text(
        textwrap.dedent(
            f"""\
            [mypy]
            strict = True
            mypy_path = {web}:{ROOT / "services" / "common"}
            cache_dir = {tmp_path / "mypy-cache"}
            """
        ),
        encoding="utf-8",
    )
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(settings), "-p", "itpp_web"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=600,
    )


@pytest.mark.slow
def test_a_field_renamed_in_the_contract_fails_the_webs_type_check(tmp_path: Path) -> None:
    document = json.loads(OPENAPI.read_text(encoding="utf-8"))
    plan = document["components"]["schemas"]["PlanPublic"]
    # What a plan's pages read to offer the plan's own parties (`routes/common.plan_context`).
    plan["properties"]["signatories"] = plan["properties"].pop("parties")
    plan["required"] = ["signatories" if name == "parties" else name for name in plan["required"]]

    result = _type_check(tmp_path, _web_with_contract(tmp_path, document))

    assert result.returncode == 1, result.stdout + result.stderr
    assert 'TypedDict "PlanPublic" has no key "parties"' in result.stdout, result.stdout
    assert "itpp_web/routes/common.py" in result.stdout, result.stdout
