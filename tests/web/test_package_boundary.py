"""The web talks to the API over HTTP only: no module of itpp_web imports the API's package
(what both services share lives in itpp_common), so the web can be deployed, and reasoned
about, on its own."""

import subprocess
import sys

IMPORT_EVERY_WEB_MODULE = """
import importlib, pkgutil, sys
import itpp_web
for module in pkgutil.walk_packages(itpp_web.__path__, "itpp_web."):
    importlib.import_module(module.name)
print(" ".join(sorted({name.split(".")[0] for name in sys.modules if name.startswith("itpp")})))
"""


def test_no_module_of_the_web_imports_the_api() -> None:
    # A fresh interpreter: the test process itself has imported itpp_api long before.
    loaded = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_WEB_MODULE],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.split()
    assert "itpp_web" in loaded
    assert "itpp_api" not in loaded
