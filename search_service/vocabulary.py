"""The index's vocabulary: its words, as typed (folded, unstemmed), and how many documents use each.

The indexer writes it into every generation folder as a sorted, gzipped list of
"word<TAB>documents" lines; search loads it once per generation for completions of a
prefix and for "did you mean". It replaces Whoosh's `spelling=True` field, which indexed
every word a second time, with postings nobody read, and doubled the index.
"""
from __future__ import annotations

import bisect
import gzip
import heapq
import os
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path

VOCABULARY_FILE = "vocabulary.tsv.gz"
# Sorts after every word that starts with a given prefix (the last code point).
_AFTER = chr(0x10FFFF)


def write_vocabulary(folder: str | os.PathLike, counts: Mapping[str, int]) -> None:
    """Write the words used by at least one document, atomically: a reader sees all or nothing."""
    folder = Path(folder)
    tmp = folder / f".{VOCABULARY_FILE}.{os.getpid()}.tmp"
    lines = "".join(f"{word}\t{n}\n" for word, n in sorted(counts.items()) if n > 0)
    try:
        with open(tmp, "wb") as raw:
            # No time and no file name in the header (GzipFile would take the temporary file's,
            # with the process id in it): the same vocabulary always gives the same bytes.
            with gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as handle:
                handle.write(lines.encode("utf-8"))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, folder / VOCABULARY_FILE)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_counts(folder: str | os.PathLike) -> Counter[str] | None:
    """The counts written into folder, or None when it has no (readable) vocabulary file."""
    entries = _read_entries(Path(folder))
    return None if entries is None else Counter(dict(entries))


def _read_entries(folder: Path) -> list[tuple[str, int]] | None:
    try:
        with gzip.open(folder / VOCABULARY_FILE, "rt", encoding="utf-8") as handle:
            return [(word, int(n)) for word, _, n in (line.partition("\t") for line in handle)]
    except (OSError, EOFError, ValueError):  # missing, or damaged: treated as missing
        return None


class Vocabulary:
    """Sorted words with their document counts: prefix completion by binary search, and
    spelling correction by walking the sorted list as a trie."""

    def __init__(self, words: list[str], uses: list[int]) -> None:
        self.words = words
        self.uses = uses

    @classmethod
    def load(cls, folder: str | os.PathLike) -> Vocabulary | None:
        """The vocabulary written into folder, or None when it has none."""
        entries = _read_entries(Path(folder))
        if entries is None:
            return None
        entries.sort()  # written sorted; cheap insurance for the binary searches
        return cls([w for w, _ in entries], [n for _, n in entries])

    def __len__(self) -> int:
        return len(self.words)

    def _range(self, prefix: str) -> tuple[int, int]:
        lo = bisect.bisect_left(self.words, prefix)
        return lo, bisect.bisect_left(self.words, prefix + _AFTER, lo)

    def completions(self, prefix: str, limit: int) -> list[str]:
        """Up to limit words that start with prefix, the most used first."""
        lo, hi = self._range(prefix)
        best = heapq.nlargest(limit, range(lo, hi), key=self.uses.__getitem__)
        return [self.words[i] for i in best]

    def correction(self, word: str, maxdist: int = 2, prefix: int = 1) -> str | None:
        """The closest other word within maxdist edits that shares word's first `prefix`
        letters, the most used of equally close ones; None when there is none.

        Edits are insertions, deletions, substitutions and swaps of adjacent letters.
        """
        for dist in range(1, maxdist + 1):  # distance 1 walks far less of the list
            found = [i for i in self._within(word, dist, prefix) if self.words[i] != word]
            if found:
                return self.words[min(found, key=lambda i: (-self.uses[i], self.words[i]))]
        return None

    def _within(self, word: str, maxdist: int, prefix: int) -> Iterator[int]:
        """Indexes of the words within maxdist edits of word (and with its prefix).

        The sorted list is a trie laid flat: consecutive words share the edit-distance rows
        of their common prefix, and once a prefix is further than maxdist from every start
        of word, a binary search skips all the words that begin with it.
        """
        words = self.words
        i, hi = self._range(word[:prefix])
        rows = [list(range(len(word) + 1))]  # rows[d]: distances from a candidate's first d letters
        path = ""  # the candidate prefix rows[1:] were computed for
        while i < hi:
            candidate = words[i]
            shared = _shared_prefix(path, candidate, len(rows) - 1)
            del rows[shared + 1:]
            for d in range(shared, len(candidate)):
                row, least = _next_row(rows, candidate, d, word, maxdist)
                rows.append(row)
                if least > maxdist:
                    path = candidate[:d + 1]
                    i = bisect.bisect_left(words, path + _AFTER, i + 1, hi)
                    break
            else:
                path = candidate
                if rows[-1][-1] <= maxdist:
                    yield i
                i += 1


def _shared_prefix(a: str, b: str, limit: int) -> int:
    """Length of the common start of a and b, at most limit."""
    n = 0
    limit = min(limit, len(a), len(b))
    while n < limit and a[n] == b[n]:
        n += 1
    return n


def _next_row(rows: list[list[int]], candidate: str, d: int, word: str, maxdist: int) -> tuple[list[int], int]:
    """Edit distances from candidate[:d + 1] to each start of word (optimal string alignment),
    and the least of them.

    Only cells within maxdist of the diagonal can stay within maxdist; the rest are capped
    at maxdist + 1 (this loop is the whole cost of a correction, hence its plainness).
    """
    above = rows[d]
    before = rows[d - 1] if d else above
    letter = candidate[d]
    previous = candidate[d - 1] if d else ""
    far = maxdist + 1
    row = [far] * (len(word) + 1)
    row[0] = left = least = d + 1
    for j in range(max(1, d + 1 - maxdist), min(len(word), d + 1 + maxdist) + 1):
        typed = word[j - 1]
        best = above[j - 1] if typed == letter else above[j - 1] + 1
        if above[j] + 1 < best:
            best = above[j] + 1
        if left + 1 < best:
            best = left + 1
        if typed == previous and j > 1 and word[j - 2] == letter and before[j - 2] + 1 < best:
            best = before[j - 2] + 1  # two adjacent letters swapped
        if best > far:
            best = far
        row[j] = left = best
        if best < least:
            least = best
    return row, least
