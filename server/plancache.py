"""Rendered pages kept per inventory version: the removal plan of 20,000 devices takes seconds and hundreds of MiB
to build, and changes only when the inventory does. The key includes the version the database keeps (bumped by
every ingest and status change, on any node), so each node renders a version once and never serves a stale one."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class RenderCache(Generic[T]):
    """A small LRU of rendered bodies; concurrent requests for the same key render it once."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()
        self._rendering: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, render: Callable[[], T]) -> T:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
            busy = self._rendering.setdefault(key, threading.Lock())
        with busy:  # one render per key; the others wait for it
            with self._lock:
                if key in self._entries:
                    return self._entries[key]
            body = render()
            with self._lock:
                self._entries[key] = body
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
                self._rendering.pop(key, None)
        return body
