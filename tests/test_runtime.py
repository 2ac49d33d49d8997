"""The collector tuning of the server processes (itpp_common.runtime): each service's
application, once built, leaves its process with what it holds frozen and young passes every
GEN0_THRESHOLD allocations; a second application in the same process freezes nothing more; and
ITPP_GC_TUNING=off (or false, 0, no) leaves Python's defaults, and a value that is none of those
stops the start with a message naming it. Checked in fresh interpreters, as uvicorn's
workers start."""

import json
import os
import subprocess
import sys

import pytest

from itpp_common.runtime import GEN0_THRESHOLD, tuning_wanted

PROBE = """
import gc, json, sys
from {module} import create_app
before = gc.get_threshold()[0]
create_app()
first = (gc.get_threshold()[0], gc.get_freeze_count())
create_app()
second = (gc.get_threshold()[0], gc.get_freeze_count())
print(json.dumps({{"before": before, "first": first, "second": second}}))
"""


def probe(module: str, tuning: str) -> dict[str, list[int] | int]:
    environment = {**os.environ, "ITPP_GC_TUNING": tuning}
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=True,
    )
    result: dict[str, list[int] | int] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("module", ["itpp_api.main", "itpp_web.app"])
def test_a_service_process_runs_with_its_start_up_frozen_and_fewer_young_passes(
    module: str,
) -> None:
    tuned = probe(module, "on")
    assert tuned["before"] == 700  # Python's default
    threshold, frozen = tuned["first"]  # type: ignore[misc]
    assert threshold == GEN0_THRESHOLD
    assert frozen > 10_000  # the modules and the application, at least
    # Once per process: nothing more frozen by the second (frozen objects may still be freed).
    threshold_then, frozen_then = tuned["second"]  # type: ignore[misc]
    assert threshold_then == GEN0_THRESHOLD
    assert frozen_then <= frozen

    for off in ("off", "false", "0", "No"):
        untouched = probe(module, off)
        assert untouched["first"] == [700, 0], off


def test_a_tuning_setting_that_is_neither_on_nor_off_stops_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for wrong in ("of", "disabled", ""):
        monkeypatch.setenv("ITPP_GC_TUNING", wrong)
        with pytest.raises(ValueError, match=r"ITPP_GC_TUNING=.*give on or off"):
            tuning_wanted()
    monkeypatch.setenv("ITPP_GC_TUNING", " On ")
    assert tuning_wanted()
