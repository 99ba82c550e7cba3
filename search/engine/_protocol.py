"""The backend seam: what answering, time series, the CLI and the UI need from an index.

Every backend implements `Backend`: the embedded Whoosh index today (`WhooshEngine`), an
HTTP client of a running service and PostgreSQL next. Documents are addressed by their
fields as the index builds them (`index.documents`): `kind`, `snapshot`, `series`
(`rate:GBP`, `quote:AEX`), `code`; words by the analysis fields `plain`, `fr` and `en`.
Nothing above this seam sees a query object of any engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from index import SnapshotInfo

from ._types import Hit, Results, Token, Word

if TYPE_CHECKING:
    from index.vectors import VectorStore

__all__ = ["Backend"]


@runtime_checkable
class Backend(Protocol):
    """A read-only view of one index that can be refreshed to see newer commits."""

    # ------------------------------------------------------------------ lifecycle

    def refresh(self) -> None:
        """See the latest commit (cheap when nothing changed)."""

    def prepare(self) -> None:
        """Read now what the first searches would read, so that they do not wait for it
        (a long-lived client calls it once it has opened the backend)."""

    def close(self) -> None:
        """Release files and connections."""

    # ------------------------------------------------------------------ snapshots

    def snapshots(self) -> list[SnapshotInfo]:
        """The snapshots in the index, oldest first."""

    def resolve_snapshot(self, snapshot: str | None) -> str | None:
        """The id `snapshot` stands for (`latest` is the newest); raise
        `UnknownSnapshotError` for an id the index does not hold."""

    def document_count(self) -> int:
        """How many documents the index holds."""

    # ------------------------------------------------------------------ searching

    def words(self, text: str) -> list[Word]:
        """`text` split into words and analysed as the index analyses documents."""

    def tokens(self, text: str, lang: str | None) -> list[Token]:
        """Every word of a document's `text` with its stems in `lang` (both languages
        when None)."""

    def search(
        self,
        text: str,
        *,
        limit: int | None = 10,
        kind: str | None = None,
        snapshot: str | None = None,
        prefix_last: bool = True,
        offset: int = 0,
        since: str | None = None,
        until: str | None = None,
        sort: str = "relevance",
        exact: bool = True,
    ) -> Results:
        """Documents matching user `text` in the query syntax of `parse_query` (words,
        "phrases", -exclusions, OR, parentheses, field filters), best first and newest
        first on ties, or by date (`sort`: relevance, newest, oldest); `offset` hits
        skipped; dates YYYY-MM-DD, inclusive. A text repeated across snapshots is one hit
        unless `snapshot` is given. Not `exact` (while typing), a total that would cost a
        second pass over the matches may be estimated instead (`Results.estimated`)."""

    def match(
        self,
        words: Sequence[Word],
        *,
        every: bool = True,
        limit: int | None = 10,
        kind: str | None = None,
        snapshot: str | None = None,
    ) -> tuple[int, tuple[Hit, ...]]:
        """Documents holding every one (or, not `every`, any) of `words` in any form,
        best first: the count and the top `limit` hits, highlighted."""

    def count(
        self, phrases: Sequence[Sequence[Word]], *, kind: str, since: str | None = None
    ) -> int:
        """How many documents of `kind` dated `since` (YYYY-MM-DD) or later hold every word
        of at least one of `phrases`."""

    def frequency(self, field: str, term: str) -> int:
        """How many documents hold `term` in `field` (`plain`, `fr`, `en`, `kind`…)."""

    # ------------------------------------------------------------------ documents

    def document(self, doc_id: str, highlight: str = "") -> Hit | None:
        """The document `doc_id` (e.g. `snapshot:p4`), the words of `highlight` marked."""

    def documents(self, **fields: str) -> list[Hit]:
        """Every document whose fields equal `fields`, oldest snapshot first."""

    def newest(self, limit: int | None, **fields: str) -> list[Hit]:
        """The documents whose fields equal `fields`, newest snapshot first, at most
        `limit` (a rate or stock index series: `newest(2, series="quote:AEX")`)."""

    def newest_copy(self, hit: Hit) -> Hit:
        """The same text of the same kind in the newest snapshot that holds it."""

    def values(self, field: str) -> list[str]:
        """Every value a keyword field holds (`code`: `GBP`…, `series`: `quote:AEX`…)."""

    def text_hit(self, kind: str, digest: str, snapshot: str | None = None) -> Hit | None:
        """The newest occurrence of a text (`kind` paragraph or title) by its digest,
        within `snapshot` if given; None when no page holds it there."""

    # ------------------------------------------------------------------ vectors

    def vectors(self) -> VectorStore | None:
        """The live generation's text vectors, None when it has none."""
