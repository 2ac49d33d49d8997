"""A least-recently-used store bounded by the total size of its values and/or by their number:
the web's cached and kept API answers (`api.ReadCache`) and its rendered pages
(`render_cache.RenderCache`)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SizedLRU(Generic[K, V]):
    """Values with their sizes; putting one drops the least recently used while the total passes
    `max_bytes` or their number `max_entries` (None: no bound of that kind). A value larger than
    `max_bytes` is not kept."""

    def __init__(self, max_bytes: int | None, max_entries: int | None = None) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._values: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0

    def get(self, key: K) -> V | None:
        """The value, now the most recently used; None when not kept."""
        found = self._values.get(key)
        if found is None:
            return None
        self._values.move_to_end(key)
        return found[0]

    def put(self, key: K, value: V, size: int) -> None:
        self.pop(key)
        if self.max_bytes is not None and size > self.max_bytes:
            return
        self._values[key] = (value, size)
        self._bytes += size
        while (self.max_bytes is not None and self._bytes > self.max_bytes) or (
            self.max_entries is not None and len(self._values) > self.max_entries
        ):
            self.pop(next(iter(self._values)))

    def pop(self, key: K) -> None:
        dropped = self._values.pop(key, None)
        if dropped is not None:
            self._bytes -= dropped[1]

    def __iter__(self) -> Iterator[K]:
        """The keys, least recently used first (a copy: the store may change meanwhile)."""
        return iter(list(self._values))

    def __len__(self) -> int:
        return len(self._values)
