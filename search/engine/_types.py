"""The values that cross the backend seam: hits, results, analysed words and tokens.

Nothing here imports the `index` package (whose import loads Whoosh): a client of a running
service builds these values without it. `UnknownSnapshotError`, a `SnapsearchError`, is
made on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index import SnapshotInfo
    from index.errors import SnapsearchError

__all__ = [
    "KINDS",
    "SORTS",
    "Hit",
    "Results",
    "Span",
    "Token",
    "UnknownSnapshotError",
    "Word",
    "resolve",
]

KINDS = ("paragraph", "rate", "quote", "title")
# The orders every backend's `search` takes: best first, or by snapshot date.
SORTS = ("relevance", "newest", "oldest")
Span = tuple[int, int]

if TYPE_CHECKING:

    class UnknownSnapshotError(SnapsearchError):
        """A snapshot id that the index does not hold."""

else:

    def __getattr__(name: str) -> Any:
        if name == "UnknownSnapshotError":
            return _unknown_snapshot_error()
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _unknown_snapshot_error() -> type[UnknownSnapshotError]:
    """The `UnknownSnapshotError` class, defined on first use: its base, `SnapsearchError`,
    lives in the `index` package. Threads that race here all get the first one stored."""
    made: type[UnknownSnapshotError] | None = globals().get("UnknownSnapshotError")
    if made is None:
        from index.errors import SnapsearchError

        class UnknownSnapshotError(SnapsearchError):
            """A snapshot id that the index does not hold."""

        UnknownSnapshotError.__qualname__ = "UnknownSnapshotError"
        made = globals().setdefault("UnknownSnapshotError", UnknownSnapshotError)
    return made


@dataclass(frozen=True)
class Word:
    """One typed word as each field's analysis sees it ("" when a field drops it)."""

    raw: str
    plain: str
    stems: tuple[tuple[str, str], ...]  # (field, stemmed form) for each language that keeps it


@dataclass(frozen=True)
class Token:
    """One word of a document's text: where it is, its unstemmed form and its stems."""

    start: int
    end: int
    plain: str
    stems: frozenset[str]


@dataclass(frozen=True)
class Hit:
    """One matching document, with character spans of the matched words in `text`."""

    id: str
    kind: str
    snapshot: str
    date: str
    paragraph: int | None
    code: str | None
    name: str | None
    lang: str | None
    score: float
    text: str
    highlights: tuple[Span, ...]
    data: dict[str, Any] | None = None  # a rate's or quote's numbers
    dates: tuple[str, ...] = ()  # when results are collapsed: every date this text is on
    path: str | None = None  # the snapshot file, for `$EDITOR +LINE PATH`
    line: int | None = None  # the line of that file a paragraph starts on

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "snapshot": self.snapshot,
            "date": self.date,
            "paragraph": self.paragraph,
            "code": self.code,
            "name": self.name,
            "lang": self.lang,
            "score": round(self.score, 6),
            "text": self.text,
            "highlights": [list(span) for span in self.highlights],
            "data": self.data,
            "dates": list(self.dates),
            "path": self.path,
            "line": self.line,
        }


@dataclass(frozen=True)
class Results:
    """The hits of one query; `fuzzy` says a typo was forgiven to find them, `estimated`
    that `total` is an estimate (two significant digits), not a count."""

    query: str
    total: int
    hits: tuple[Hit, ...]
    fuzzy: bool = False
    estimated: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "fuzzy": self.fuzzy,
            # Only when true: `search query` always counts, and its JSON stays as it was.
            **({"estimated": True} if self.estimated else {}),
            "hits": [hit.to_json() for hit in self.hits],
        }


def resolve(snapshot: str, known: Callable[[], list[SnapshotInfo]]) -> str | None:
    """The id `snapshot` stands for among the `known()` snapshots (oldest first): `latest`
    is the newest; an id the index does not hold raises `UnknownSnapshotError`."""
    infos = known()
    if snapshot == "latest":
        return infos[-1].id if infos else None
    if not any(info.id == snapshot for info in infos):
        raise _unknown_snapshot_error()(
            f"no snapshot {snapshot!r} in the index; `search index status` lists them"
        )
    return snapshot
