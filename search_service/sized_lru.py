"""A map of values by key that drops the least recently used once their sizes pass a budget."""
from __future__ import annotations

from collections import OrderedDict


class SizedLRU:
    """Values by key, the least recently used dropped once their sizes pass a budget."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self._entries: OrderedDict = OrderedDict()

    def get(self, key):
        """The value of key (now the most recently used), or None."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def put(self, key, value, size: int) -> None:
        """Keep value under key, counted as `size` against the budget."""
        if key in self._entries:
            self.used -= self._entries.pop(key)[1]
        self._entries[key] = (value, size)
        self.used += size
        while self.used > self.budget and len(self._entries) > 1:
            self.used -= self._entries.popitem(last=False)[1][1]

    def __len__(self) -> int:
        return len(self._entries)
