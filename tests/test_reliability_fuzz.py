"""Property tests: any text a user or a web page can produce.

- any query (syntax characters, control characters, surrogates, very long input) never
  raises out of `Engine.search` or `answer`;
- any mutation of the sample page (lines dropped, blocks swapped, bytes inserted,
  truncated anywhere) parses or raises `SnapshotError`, never anything else;
- parse -> index -> search finds every paragraph of any page that parses.

Example counts are bounded so that the run stays short; `--hypothesis-show-statistics`
prints them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from index import IndexDir, SnapshotError, build, parse_snapshot
from search.ask import EmptyQuestionError, answer
from search.engine import WhooshEngine as Engine
from tests.conftest import SAMPLE, make_page

SAMPLE_BYTES = SAMPLE.read_bytes()
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Every code point, surrogates and controls included (a command line decodes undecodable
# bytes to lone surrogates).
ANY_CHAR = st.characters(codec=None, exclude_categories=())
SYNTAX = st.sampled_from(
    ['"', "'", "(", ")", "[", "]", "{", "}", "*", "?", "~", "^", ":", "\\", "/", "+", "-"]
    + ["!", "&", "|", "AND", "OR", "NOT", "TO", "kind:", "text:", "«", "»", "’", "ʼ", " "]
    + ["\x00", "\x1b[2J", "\t", "\n", "\r", "\u200b", "\u202e", "\ufeff", "\ud800"]
    + ["Koursk", "Kour", "Kim", "dollar", "AEX", "déployés", "l’alliance", "1.0856"]
)
QUERIES = st.one_of(
    st.text(ANY_CHAR, max_size=60),
    st.lists(SYNTAX, max_size=30).map("".join),
    st.lists(st.one_of(SYNTAX, st.text(ANY_CHAR, max_size=8)), max_size=20).map(" ".join),
    # Very long input: many copies of a few words, or one enormous word.
    st.tuples(st.lists(SYNTAX, min_size=1, max_size=3), st.integers(1, 3000)).map(
        lambda t: " ".join(t[0]) * t[1]
    ),
    st.integers(1, 100_000).map(lambda n: "a" * n),
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    index_dir = IndexDir(tmp_path_factory.mktemp("fuzz") / "ix")
    build(index_dir, [SAMPLE])
    return Engine(index_dir)


@settings(FUZZ, max_examples=300)
@given(text=QUERIES, prefix_last=st.booleans())
@example(text="Koursk " * 3000, prefix_last=True)  # once a RecursionError in Whoosh
@example(text="Kursk " * 100, prefix_last=True)  # a hundred typo searches
def test_any_query_never_raises(engine: Engine, text: str, prefix_last: bool) -> None:
    results = engine.search(text, limit=5, prefix_last=prefix_last)
    assert results.total >= len(results.hits)
    for hit in results.hits:
        assert all(0 <= start < end <= len(hit.text) for start, end in hit.highlights)


@settings(FUZZ, max_examples=100)
@given(question=QUERIES)
@example(question=" \t\n")
@example(question="Combien vaut 1 EUR en USD ? " * 100)
@example(question="dollar dollar" * 2497)  # once a RecursionError in Whoosh
def test_any_question_never_raises(engine: Engine, question: str) -> None:
    if not question.split():
        with pytest.raises(EmptyQuestionError):
            answer(engine, question)
        return
    reply = answer(engine, question)
    assert isinstance(reply.answer, str)


# ---------------------------------------------------------------------- page mutations

Mutation = Callable[[bytes], bytes]


def _lines(draw: st.DrawFn, data: bytes) -> list[bytes]:
    return data.split(b"\n") or [b""]


@st.composite
def _drop_lines(draw: st.DrawFn, data: bytes) -> bytes:
    lines = _lines(draw, data)
    gone = draw(st.sets(st.integers(0, len(lines) - 1), max_size=max(1, len(lines) // 2)))
    return b"\n".join(line for i, line in enumerate(lines) if i not in gone)


@st.composite
def _swap_blocks(draw: st.DrawFn, data: bytes) -> bytes:
    blocks = data.split(b"\n\n")
    i, j = (draw(st.integers(0, len(blocks) - 1)) for _ in range(2))
    blocks[i], blocks[j] = blocks[j], blocks[i]
    return b"\n\n".join(blocks)


@st.composite
def _insert_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    at = draw(st.integers(0, len(data)))
    return data[:at] + draw(st.binary(min_size=1, max_size=16)) + data[at:]


@st.composite
def _truncate(draw: st.DrawFn, data: bytes) -> bytes:
    return data[: draw(st.integers(0, len(data)))]


@st.composite
def _mutated_page(draw: st.DrawFn) -> bytes:
    data = SAMPLE_BYTES
    operations = [_drop_lines, _swap_blocks, _insert_bytes, _truncate]
    for operation in draw(st.lists(st.sampled_from(operations), min_size=1, max_size=4)):
        data = draw(operation(data))
    return data


@settings(FUZZ, max_examples=400)
@given(data=_mutated_page())
@example(data=SAMPLE_BYTES[:1])
@example(data=b"\xef\xbb\xbf")  # a BOM and nothing else
@example(data=b"\xff\xfe" + "Site - Titre\n\nEUR -\n".encode("utf-16-le")[:-1])
@example(data=b"Site" + b" " * 50_000 + b"x\n\nEUR -\nUSD 1.1\n")  # once quadratic
def test_any_mutation_parses_or_raises_snapshot_error(data: bytes) -> None:
    try:
        snapshot = parse_snapshot(data, path="fuzzed-2026-11-24.txt")
    except SnapshotError:
        return
    assert snapshot.paragraphs or snapshot.rates or snapshot.quotes
    # Nothing a terminal would act on survives the parse (ESC, CSI, BEL…).
    for text in (snapshot.title, *snapshot.paragraphs):
        assert not any(c < " " and c != "\t" or "\x7f" <= c < "\xa0" for c in text)


# ------------------------------------------------------------------------- round trip

PARAGRAPH_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=120
)


@st.composite
def _page(draw: st.DrawFn) -> bytes:
    """A page in the reference layout with arbitrary paragraphs, or a mutated sample."""
    if draw(st.integers(0, 3)) == 0:
        return draw(_mutated_page())
    paragraphs = draw(st.lists(PARAGRAPH_TEXT, min_size=1, max_size=6))
    return make_page(
        headline=draw(PARAGRAPH_TEXT.filter(str.strip)), paragraphs=paragraphs
    ).encode()


@settings(FUZZ, max_examples=25)
@given(data=_page())
@example(data=SAMPLE_BYTES)
def test_every_parsed_paragraph_is_found_again(data: bytes) -> None:
    try:
        snapshot = parse_snapshot(data, path="page-2026-11-24.txt")
    except SnapshotError:
        return
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp, "page-2026-11-24.txt")
        page.write_bytes(data)
        index_dir = IndexDir(Path(tmp, "ix"))
        report = build(index_dir, [page])
        assert report.added == [snapshot.id], report.failed
        engine = Engine(index_dir)
        try:
            _assert_paragraphs_found(engine, snapshot.id, snapshot.paragraphs)
        finally:
            engine.close()


def _assert_paragraphs_found(engine: Engine, sid: str, paragraphs: tuple[str, ...]) -> None:
    for number, text in enumerate(paragraphs, 1):
        if not engine.words(text):
            continue  # no word in it (punctuation, symbols): nothing to search for
        # Its words, not its text: the text may hold query syntax (`-word`, quotes, OR).
        query = " ".join(word.raw for word in engine.words(text))
        hits = engine.search(query, kind="paragraph", snapshot=sid, limit=None).hits
        assert any(hit.paragraph == number and hit.text == text for hit in hits), (number, text)
