"""TypeScript types generated from the committed OpenAPI document compile a small client.

openapi-typescript (pinned in tests/contract/ts/package.json, installed by `make test` with
`npm ci`) writes api.d.ts into a temporary directory next to a copy of ts/usage.ts, and `tsc`
type-checks it with the strict settings of ts/tsconfig.json. Without node, npm or the
installed packages the test is skipped locally and fails under CI=true.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.contract.conftest import SNAPSHOT

TS_DIR = Path(__file__).resolve().parent / "ts"


def _run(command: list[str], cwd: Path) -> str:
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{output}"
    return output


def _installed() -> None:
    if not (TS_DIR / "node_modules" / ".bin" / "tsc").exists():
        # Required like PostgreSQL: `make test` installs them (make ts-deps).
        pytest.fail(f"the npm packages are not installed: run `make ts-deps` (npm ci in {TS_DIR})")


def test_generated_typescript_types_compile_a_strict_client(tmp_path: Path) -> None:
    require_tool("node")
    npx = require_tool("npx")
    _installed()
    # Optional properties are optional: without --default-non-nullable false, openapi-typescript
    # makes every property with a default required, request bodies included.
    output = _run(
        [
            npx,
            "--no-install",
            "openapi-typescript",
            str(SNAPSHOT),
            "--default-non-nullable",
            "false",
            "-o",
            str(tmp_path / "api.d.ts"),
        ],
        cwd=TS_DIR,
    )
    assert "warn" not in output.lower() and "⚠" not in output, output
    assert "export interface components" in (tmp_path / "api.d.ts").read_text(encoding="utf-8")

    shutil.copy(TS_DIR / "usage.ts", tmp_path / "usage.ts")
    (tmp_path / "tsconfig.json").write_text(
        f'{{"extends": "{(TS_DIR / "tsconfig.json").as_posix()}", "files": ["usage.ts"]}}',
        encoding="utf-8",
    )
    _run([npx, "--no-install", "tsc", "-p", str(tmp_path / "tsconfig.json")], cwd=TS_DIR)
