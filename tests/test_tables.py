"""Answers from the rate and quote tables: rates, inverse wording, conversions, indices."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from index import IndexDir, build
from search.ask import answer
from search.engine import WhooshEngine as Engine
from tests.conftest import SAMPLE, make_page

OLDEST, OLD, NEW = "daily-2026-11-19", "daily-2026-11-20", "daily-2026-11-21"
NNBSP = "\u202f"  # CLDR's French group separator


def _pages(folder: Path) -> list[Path]:
    """Three days: CAD only on the first two; BEL20 on all."""
    oldest = make_page(
        headline="Avant-hier",
        rates={"CAD": "1.5999", "GBP": "0.86"},
        quotes=[("BEL20", "1.0000", "4960.06", "+0.02%")],
    )
    old = make_page(
        headline="Hier",
        rates={"CAD": "1.6001", "GBP": "0.87", "USD": "1.15", "JPY": "160.5", "CZK": "24.3"},
        quotes=[("BEL20", "12.0000", "4972.06", "+0.24%")],
    )
    new = make_page(
        headline="Aujourd’hui",
        rates={
            "CHF": "0.928234",
            "CZK": "24.339936",
            "DKK": "7.466802",
            "GBP": "0.8791",
            "JPY": "178.252876",
            "NOK": "11.621851",
            "SEK": "10.913106",
            "USD": "1.16",
            "XAU": "0.000289",
        },
        quotes=[
            ("BEL20", "-30.3300", "4941.73", "-0.61%"),
            ("PSI20", "61.2100", "8446.47", "+0.73%"),
        ],
    )
    paths = [folder / f"{day}.txt" for day in (OLDEST, OLD, NEW)]
    for path, text in zip(paths, (oldest, old, new), strict=True):
        path.write_text(text, "utf-8")
    return paths


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    folder = tmp_path_factory.mktemp("tables")
    index_dir = IndexDir(folder / "ix")
    build(index_dir, _pages(folder))
    engine = Engine(index_dir)
    yield engine
    engine.close()


def _plain(text: str) -> str:
    return text.replace(NNBSP, " ").replace("\u00a0", " ")


@pytest.mark.parametrize(
    ("question", "code", "shown"),
    [
        pytest.param(
            "Combien vaut un euro en livres sterling ?", "GBP", "0,8791 GBP", id="fr-direct"
        ),
        pytest.param("taux EUR/SEK", "SEK", "10,913106 SEK", id="fr-code-pair"),
        pytest.param(
            "How many Swedish kronor for one euro?", "SEK", "10.913106 SEK", id="en-direct"
        ),
        pytest.param(
            "Combien de couronnes tchèques pour un euro ?", "CZK", "24,339936 CZK", id="fr-plural"
        ),
        pytest.param(
            "Combien d'euros pour une livre sterling ?", "GBP", "1,13753 EUR", id="fr-inverse"
        ),
        pytest.param(
            "How much is one British pound in euros?", "GBP", "1.13753 EUR", id="en-inverse"
        ),
        pytest.param("Combien valent 250 euros en yens ?", "JPY", "44 563,22 JPY", id="fr-amount"),
        pytest.param(
            "How much is 100 US dollars in Czech korunas?",
            "CZK",
            "2,098.27 CZK",
            id="en-cross-rate",
        ),
    ],
)
def test_rates(engine: Engine, question: str, code: str, shown: str) -> None:
    reply = answer(engine, question)
    assert reply.answerable, reply.answer
    assert [_plain(reply.answer[a:b]) for a, b in reply.highlights] == [shown]
    main = reply.citations[0]
    assert (main.kind, main.code, main.snapshot) == ("rate", code, NEW)


def test_a_conversion_shows_the_rate_it_used(engine: Engine) -> None:
    reply = answer(engine, "Combien valent 250 euros en yens ?")
    assert _plain(reply.answer) == (
        "250 EUR = 44 563,22 JPY (yens japonais), au taux de 1 EUR = 178,252876 JPY du 2026-11-21."
    )
    cross = answer(engine, "How much is 100 US dollars in Czech korunas?")
    assert "1 EUR = 24.339936 CZK and 1 EUR = 1.16 USD" in cross.answer
    assert [hit.code for hit in cross.citations] == ["CZK", "USD"]


def test_computed_rates_keep_at_least_four_significant_digits(engine: Engine) -> None:
    reply = answer(engine, "Combien valent 1 XAU en EUR ?")
    value = _plain(reply.answer[slice(*reply.highlights[0])])
    assert value == "3 460,21 EUR"
    digits = re.sub(r"\D", "", value).lstrip("0")
    assert len(digits) >= 4


@pytest.mark.parametrize(
    ("question", "code", "note"),
    [
        pytest.param(
            "Combien d'euros pour un dollar ?", "USD", "« dollar » compris comme", id="dollar"
        ),
        pytest.param(
            "taux de la livre", "GBP", "« livre » compris comme livre sterling", id="livre"
        ),
        pytest.param(
            "How many pounds for one euro?", "GBP", "“pounds” taken as British", id="pound"
        ),
        pytest.param(
            "Combien de francs pour un euro ?",
            "CHF",
            "« francs » compris comme franc suisse",
            id="franc",
        ),
    ],
)
def test_shared_names_resolve_as_a_reader_expects_and_say_so(
    engine: Engine, question: str, code: str, note: str
) -> None:
    reply = answer(engine, question)
    assert reply.answerable
    assert reply.citations[0].code == code
    assert note in reply.answer and f"({code})" in reply.answer


def test_a_name_with_no_likely_reading_asks_which(engine: Engine) -> None:
    reply = answer(engine, "Combien vaut un euro en couronnes ?")
    assert not reply.answerable
    assert reply.answer.startswith("« couronnes » peut désigner plusieurs monnaies :")
    assert "(CZK)" in reply.answer and "(SEK)" in reply.answer


@pytest.mark.parametrize(
    ("question", "reply_text"),
    [
        pytest.param(
            "Combien vaut un euro en bitcoins ?",
            "Je ne connais pas de monnaie « bitcoins ».",
            id="fr-not-a-currency",
        ),
        pytest.param("taux EUR/XYZ", "Je ne connais pas de monnaie « XYZ ».", id="fr-bad-code"),
        pytest.param(
            "How many dogecoins for one euro?",
            "I don't know a currency called “dogecoins”.",
            id="en-not-a-currency",
        ),
        pytest.param(
            "Combien vaut un euro ?",
            "Précisez la monnaie, par exemple : « Combien vaut un euro en dollars ? »",
            id="fr-which-currency",
        ),
        pytest.param(
            "Combien vaut un euro en francs français ?",
            "Pas de taux pour franc français (FRF) dans les snapshots.",
            id="fr-no-rate",
        ),
    ],
)
def test_unknown_currencies_get_a_clear_reply(
    engine: Engine, question: str, reply_text: str
) -> None:
    reply = answer(engine, question)
    assert not reply.answerable
    assert reply.answer == reply_text
    assert reply.citations == ()


def test_a_currency_missing_from_the_newest_snapshot_comes_from_an_older_one(
    engine: Engine,
) -> None:
    reply = answer(engine, "taux EUR/CAD")
    assert reply.answerable
    assert (reply.citations[0].code, reply.citations[0].snapshot) == ("CAD", OLD)
    assert reply.answer == (
        "1 EUR = 1,6001 CAD (dollars canadiens) le 2026-11-20. "
        f"Le snapshot le plus récent ({NEW}) n’a pas de taux CAD."
    )
    latest = answer(engine, "taux EUR/CAD", snapshot="latest")
    assert not latest.answerable
    assert latest.answer == f"Pas de taux pour dollar canadien (CAD) dans le snapshot {NEW}."


def test_the_newest_snapshot_answers_by_default(engine: Engine) -> None:
    assert answer(engine, "Combien vaut un euro en livres sterling ?").citations[0].snapshot == NEW
    older = answer(engine, "Combien vaut un euro en livres sterling ?", snapshot=OLD)
    assert _plain(older.answer).startswith("1 EUR = 0,87 GBP")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        pytest.param(
            "Comment a évolué le BEL20 ?",
            "BEL20, du 2026-11-19 au 2026-11-21 : 4 960,06 le 2026-11-19, 4 972,06 le 2026-11-20,"
            " 4 941,73 le 2026-11-21. Variation : -0,37 % du premier au dernier."
            " BEL20 : 4 941,73, en baisse de 30,33 points (-0,61 %) le 2026-11-21.",
            id="fr-series",
        ),
        pytest.param(
            "How did the BEL 20 move?",
            "BEL20, 2026-11-19 to 2026-11-21: 4,960.06 on 2026-11-19, 4,972.06 on 2026-11-20,"
            " 4,941.73 on 2026-11-21. Change: -0.37% from first to last."
            " BEL20: 4,941.73, down 30.33 points (-0.61%) on 2026-11-21.",
            id="en-split-name-series",
        ),
        pytest.param(
            "Quel est le niveau du BEL20 ?",
            "BEL20 : 4 941,73, en baisse de 30,33 points (-0,61 %) le 2026-11-21."
            " Le 2026-11-20, il était à 4 972,06.",
            id="fr-level-and-the-day-before",
        ),
        pytest.param(
            "Quel est le niveau du PSI20 ?",
            "PSI20 : 8 446,47, en hausse de 61,21 points (+0,73 %) le 2026-11-21.",
            id="fr-one-day",
        ),
    ],
)
def test_index_moves(engine: Engine, question: str, expected: str) -> None:
    reply = answer(engine, question)
    assert reply.answerable
    assert _plain(reply.answer) == expected
    assert (reply.citations[0].kind, reply.citations[0].snapshot) == ("quote", NEW)
    assert reply.highlights and re.match(r"[-+]?\d", reply.answer[slice(*reply.highlights[0])])


def test_a_verb_spelled_like_a_currency_is_left_to_the_article(tmp_path: Path) -> None:
    index_dir = IndexDir(tmp_path / "ix")
    build(index_dir, [SAMPLE])
    engine = Engine(index_dir)
    try:
        reply = answer(engine, "Que livre Moscou à la Corée du Nord ?")
    finally:
        engine.close()
    assert reply.answerable
    assert (reply.citations[0].kind, reply.citations[0].paragraph) == ("paragraph", 4)


def test_a_tie_goes_to_the_country_the_articles_talk_about(tmp_path: Path) -> None:
    # BYN and RUB are both roubles of a European country used nowhere else; the sample's
    # article is about Russia.
    index_dir = IndexDir(tmp_path / "ix")
    build(index_dir, [SAMPLE])
    engine = Engine(index_dir)
    try:
        reply = answer(engine, "Combien vaut le rouble ?")
    finally:
        engine.close()
    assert reply.citations[0].code == "RUB"
    assert "« rouble » compris comme rouble russe (RUB)." in reply.answer
