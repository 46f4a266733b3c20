"""A small thread-safe least-recently-used cache for answers kept in memory between requests."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable


class LRUCache:
    """Keep the most recently used `size` entries; safe under the server's threads.

    With a `budget`, also keep the entries' total weight (`weigh(value)`, e.g. bytes) within it:
    the least recently used go first, and a value heavier than the whole budget is not kept.
    """

    def __init__(self, size: int, budget: int | None = None, weigh: Callable[[object], int] = len):
        self.size = size
        self.budget, self._weigh = budget, weigh
        self._items: OrderedDict = OrderedDict()
        self._weights: dict = {}
        self.weight = 0
        self._lock = threading.Lock()

    def get(self, key):
        """Return the value for key (marking it recently used), or None."""
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key, value) -> None:
        weight = self._weigh(value) if self.budget is not None else 0
        with self._lock:
            self._forget(key)
            if self.budget is not None and weight > self.budget:
                return
            self._items[key] = value
            self._weights[key] = weight
            self.weight += weight
            while len(self._items) > self.size or (self.budget is not None and self.weight > self.budget):
                self._forget(next(iter(self._items)))

    def _forget(self, key) -> None:
        if key in self._items:
            del self._items[key]
            self.weight -= self._weights.pop(key)

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._weights.clear()
            self.weight = 0
