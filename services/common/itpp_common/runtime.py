"""The Python runtime's garbage collector, tuned once per server process (API and web).

CPython's cyclic collector runs a young-generation pass every 700 allocations by default and a
full pass every 100 young ones. A page or an API answer allocates tens of thousands of objects
(rows, dictionaries, parsed JSON, template output), almost none of them in cycles, so the
collector ran several times per request, and every full pass walked the whole heap: the
modules, the compiled templates, the routes, the caches. Measured page after page against a
live API (bench/README.md, "Web pages against their API calls"), the tuning took 15% off the
review page, 7% off the commitments page, and nothing measurable off the dashboard.

`tune_collector` does what long-running Python services commonly do:

- `gc.freeze()` after start-up: what the process holds once it is built (modules, the
  application, its templates and routes) moves to a permanent generation that no pass walks
  again (it was collected first, so nothing unreachable is kept);
- young passes every `GEN0_THRESHOLD` allocations instead of 700: a request's short-lived
  objects are freed by reference counting as before; only cycles wait a little longer.

Once per process: the tests build many applications in one process, and a second freeze would
keep whatever garbage was young at that moment.
"""

import gc
import os

from pydantic import TypeAdapter, ValidationError

GEN0_THRESHOLD = 20_000
SETTING = "ITPP_GC_TUNING"
_tuned = False


def tuning_wanted() -> bool:
    """`ITPP_GC_TUNING` read as every yes/no setting is (`on`/`off`, `true`/`false`, `1`/`0`,
    `yes`/`no`; unset: on). Anything else stops the start with a message that names it: a typo
    must not leave the tuning on while its operator believes it off."""
    value = os.environ.get(SETTING, "on")
    try:
        return TypeAdapter(bool).validate_python(value.strip())
    except ValidationError:
        raise ValueError(
            f"{SETTING}={value!r}: give on or off (or true/false, yes/no, 1/0)"
        ) from None


def tune_collector() -> None:
    """Collect, freeze what the process holds, and raise the young generation's threshold
    (once per process; `ITPP_GC_TUNING=off` leaves the collector as Python sets it)."""
    global _tuned
    if _tuned or not tuning_wanted():
        return
    _tuned = True
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
