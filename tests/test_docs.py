"""The documentation (issue 23, item 4): the site builds with `mkdocs build --strict`, so a
broken link, a missing anchor or a page left out of the navigation fails the suite; the
settings page lists every setting with the code's default and bounds; the README stays a front
door; the probes are documented where they are served; the table of problem types is the
code's."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from itpp_api.errors import DomainError
from itpp_api.main import create_app
from itpp_api.metrics import router as metrics_router
from tests.settings_reference import Documented, documented_settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SETTINGS_PAGE = DOCS / "settings.md"
# The files a build reads besides docs/ (mkdocs.yml and mkdocs_hooks.py name them).
SITE_FILES = (
    "mkdocs.yml",
    "mkdocs_hooks.py",
    "README.md",
    "SECURITY.md",
    "deploy/README.md",
    "bench/README.md",
)
# A row of a settings table: | `ITPP_…` | default | bounds | meaning |
SETTING_ROW = re.compile(r"^\| `(?P<variable>ITPP_[A-Z0-9_]+)` \|(?P<cells>.*)\|$")


def build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(config),
            "--site-dir",
            str(site),
        ],
        cwd=config.parent,
        # Material's notice about its future, printed on every build, says nothing of ours.
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_documentation_site_builds_strictly(tmp_path: Path) -> None:
    result = build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    site = tmp_path / "site"
    # The README is the home page; the files outside docs/ are pages at their own paths.
    assert "ITPP Tracker" in (site / "index.html").read_text()
    for page in ("deploy/index.html", "bench/index.html", "SECURITY/index.html"):
        assert (site / page).is_file(), page
    # A link from a page of docs/ to a file outside it points at that file's page.
    operations = (site / "operations" / "index.html").read_text()
    assert 'href="../deploy/' in operations


BROKEN_LINKS = {
    "../deploy/READM.md": "a repository file that does not exist",
    "no-such-page.md": "a page that does not exist",
    "settings.md#no-such-section": "an anchor that does not exist",
    "../deploy/compose.yaml": "a repository file that is not a page of the site",
}


def test_the_strict_build_fails_on_each_broken_link(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    shutil.copytree(DOCS, copy / "docs")
    for name in SITE_FILES:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, copy / name)
    page = copy / "docs" / "cli.md"
    links = "".join(f"\nSee [{what}]({target}).\n" for target, what in BROKEN_LINKS.items())
    page.write_text(page.read_text() + links)
    result = build(copy / "mkdocs.yml", tmp_path / "site")
    assert result.returncode != 0
    # Every broken link is named (strict mode aborts after reporting them all), no other.
    reported = re.findall(r"Doc file '([^']+)' contains a link '([^']+)'", result.stderr)
    assert sorted(reported) == sorted(("cli.md", target) for target in BROKEN_LINKS)


def test_the_readme_is_a_front_door() -> None:
    # Issue 23: what it is, screenshots, the two commands, where to read on, in about 200 lines.
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 200
    assert "make run" in readme and "make test" in readme
    assert "docs/screenshots/" in readme


def documented_rows() -> dict[str, list[str]]:
    """The settings page's table rows: variable → its cells after the first, stripped."""
    rows: dict[str, list[str]] = {}
    for line in SETTINGS_PAGE.read_text().splitlines():
        match = SETTING_ROW.match(line)
        if match:
            assert match["variable"] not in rows, f"{match['variable']} is listed twice"
            rows[match["variable"]] = [cell.strip() for cell in match["cells"].split(" | ")]
    return rows


def expected_default(setting: Documented) -> str:
    if setting.default is None:
        return "unset"
    return f"`{setting.default}`" if setting.default else "empty"


def test_every_setting_is_on_the_settings_page() -> None:
    rows = documented_rows()
    missing = [s.variable for s in documented_settings() if s.variable not in rows]
    assert missing == [], "settings missing from docs/settings.md"


def test_the_settings_page_names_only_settings() -> None:
    known = {setting.variable for setting in documented_settings()}
    assert sorted(set(documented_rows()) - known) == []


def test_the_settings_page_states_the_codes_defaults_and_bounds() -> None:
    rows = documented_rows()
    wrong: dict[str, tuple[list[str], list[str]]] = {}
    for setting in documented_settings():
        default, bounds, meaning = rows[setting.variable]
        expected = [expected_default(setting), setting.bounds or "—"]
        if [default, bounds] != expected:
            wrong[setting.variable] = ([default, bounds], expected)
        assert len(meaning) > 10, f"{setting.variable} has no meaning"
    assert wrong == {}, "docs/settings.md (written, expected)"


def test_the_probes_are_documented_where_the_api_serves_them() -> None:
    # Issue 23: /healthz and /readyz are served at the root, not under /api/v1.
    app = create_app()
    served = set(app.openapi()["paths"]) | {route.path for route in metrics_router.routes}  # type: ignore[attr-defined]
    section = (DOCS / "operations.md").read_text().split("## Health and metrics endpoints")[1]
    documented = set(re.findall(r"^\| `(/[a-z]+)` \|", section, flags=re.MULTILINE))
    assert documented == {"/healthz", "/readyz", "/metrics"}
    assert documented <= served
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/api/v1/healthz").status_code == 404
    for page in [*DOCS.glob("*.md"), ROOT / "README.md", ROOT / "deploy" / "README.md"]:
        assert not re.search(r"/api/v1/(healthz|readyz|metrics)\b", page.read_text()), page


def subclasses(cls: type[DomainError]) -> list[type[DomainError]]:
    found = [cls]
    for sub in cls.__subclasses__():
        found += subclasses(sub)
    return found


def test_every_problem_type_is_documented_with_its_status() -> None:
    # What clients switch on (errors.py): the table of docs/api-clients.md lists each type once.
    page = (DOCS / "api-clients.md").read_text()
    documented = dict(re.findall(r"^\| `/problems/([a-z-]+)` \| (\d{3}) \|", page, re.MULTILINE))
    raised = {error.slug: str(error.status) for error in subclasses(DomainError)}
    assert documented == raised
