"""What a French or English reader expects a search to match, on a real index on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import IndexDir, build
from index.analysis import analyzer_for
from search.engine import WhooshEngine as Engine
from tests.conftest import SAMPLE, make_page

ENGLISH = [
    "Officials in Kyiv said North Korean soldiers had been deployed to the Kursk region "
    "and that several units were fighting alongside Russian forces.",
    "Prague's mayor, Šárka Novotná, opened the renovated tram depot on Tuesday morning "
    "in front of a small crowd of residents.",
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    folder = tmp_path_factory.mktemp("analysis")
    english = folder / "prague-post-en-2026-11-25.txt"
    english.write_text(make_page(headline="Troops near Kursk", paragraphs=ENGLISH), "utf-8")
    index_dir = IndexDir(folder / "ix")
    build(index_dir, [SAMPLE, english])
    return Engine(index_dir)


def _first(engine: Engine, text: str) -> str:
    results = engine.search(text, kind="paragraph")
    assert results.hits, f"{text!r} found nothing"
    hit = results.hits[0]
    return f"{hit.snapshot.split('-2026')[0]}:{hit.paragraph}"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param("Koursk", "prague-post:3", id="as-written"),
        pytest.param("KOURSK", "prague-post:3", id="upper"),
        pytest.param("koursk", "prague-post:3", id="lower"),
        pytest.param("deployes", "prague-post:3", id="accents-dropped"),
        pytest.param("déployés", "prague-post:3", id="accents-kept"),
        pytest.param("Sarka", "prague-post-en:2", id="caron-and-acute"),
        pytest.param("coeur", "prague-post:2", id="ligature"),
        pytest.param("Kour", "prague-post:3", id="prefix"),
        pytest.param("Kursk", "prague-post-en:1", id="english-exact"),
        pytest.param("deploy", "prague-post-en:1", id="english-stem"),
        pytest.param("l’alliance Poutine", "prague-post:10", id="elision"),
        pytest.param("lʼalliance Poutine", "prague-post:10", id="modifier-apostrophe"),
        pytest.param("l'alliance Poutine", "prague-post:10", id="ascii-apostrophe"),
    ],
)
def test_expected_matches(engine: Engine, typed: str, expected: str) -> None:
    assert _first(engine, typed) == expected


def test_singular_finds_plural(engine: Engine) -> None:
    singular = {h.id for h in engine.search("sanction", limit=None).hits}
    plural = {h.id for h in engine.search("sanctions", limit=None).hits}
    assert singular == plural and len(singular) >= 4


def test_one_typo_is_forgiven_when_nothing_matches(engine: Engine) -> None:
    results = engine.search("Kourks Pyongyang", snapshot="prague-post-2026-11-24")
    assert results.fuzzy and results.hits[0].paragraph == 3


def test_typo_is_not_tried_when_exact_words_match(engine: Engine) -> None:
    assert not engine.search("Koursk").fuzzy


def test_short_words_get_no_typo(engine: Engine) -> None:
    assert engine.search("Kimm Jong").total == 0


def test_every_word_must_match(engine: Engine) -> None:
    assert engine.search("Koursk Aurus").total == 0
    assert {h.paragraph for h in engine.search("Poutine Aurus").hits} == {6}


def test_prefix_applies_to_the_last_word_only(engine: Engine) -> None:
    assert engine.search("Kour Pyongyang").total == 0
    assert engine.search("Pyongyang Kour").total == 1


def test_highlights_cover_the_matched_words(engine: Engine) -> None:
    hit = engine.search("deployes Koursk").hits[0]
    assert [hit.text[a:b] for a, b in hit.highlights] == ["déployés", "Koursk"]


def test_elision_is_split_by_the_analyzer() -> None:
    tokens = [t.text for t in analyzer_for("plain")("l’alliance d’intérêts qu’il")]
    assert tokens == ["alliance", "interets", "il"]


def test_rate_documents_carry_currency_names(engine: Engine) -> None:
    hit = engine.search("livres sterling", kind="rate").hits[0]
    assert hit.code == "GBP"
    assert engine.search("Swiss franc", kind="rate").hits[0].code == "CHF"


def test_newest_snapshot_first_on_equal_score(tmp_path: Path) -> None:
    folder = tmp_path / "snaps"
    folder.mkdir()
    for day, word in (("2026-11-20", "alpha"), ("2026-11-22", "bravo"), ("2026-11-21", "delta")):
        page = make_page(paragraphs=[f"The tram depot {word} opened in Prague."])
        (folder / f"p-{day}.txt").write_text(page)
    index_dir = IndexDir(tmp_path / "ix")
    build(index_dir, [folder])
    hits = Engine(index_dir).search("tram depot", kind="paragraph").hits
    assert len({hit.score for hit in hits}) == 1
    assert [h.date for h in hits] == ["2026-11-22", "2026-11-21", "2026-11-20"]


def test_the_same_paragraph_in_many_snapshots_is_one_hit(tmp_path: Path) -> None:
    folder = tmp_path / "snaps"
    folder.mkdir()
    page = make_page(paragraphs=["The same paragraph about the tram depot opening in Prague."])
    days = [f"2026-11-{day:02d}" for day in range(1, 31)]
    for day in days:
        (folder / f"p-{day}.txt").write_text(page)
    index_dir = IndexDir(tmp_path / "ix")
    build(index_dir, [folder])
    engine = Engine(index_dir)
    hits = engine.search("tram depot", kind="paragraph").hits
    assert [(h.snapshot, h.dates) for h in hits] == [("p-2026-11-30", tuple(days))]
    one = engine.search("tram depot", kind="paragraph", snapshot="p-2026-11-05").hits
    assert [(h.snapshot, h.dates) for h in one] == [("p-2026-11-05", ())]


def test_restricting_to_a_snapshot_or_kind_keeps_the_scores(engine: Engine) -> None:
    everywhere = {h.id: h.score for h in engine.search("sanctions", limit=None).hits}
    one = engine.search("sanctions", snapshot="prague-post-2026-11-24", kind="paragraph")
    assert one.total == 4
    assert {h.id: h.score for h in one.hits} == {h.id: everywhere[h.id] for h in one.hits}
