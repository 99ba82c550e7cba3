"""Questions over time: dated questions pick that day's snapshot; history questions get
the series across snapshots. On three daily snapshots with known values (`write_series`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from index import IndexDir, build
from search.ask import answer
from search.ask._when import Period, find_when
from search.engine import WhooshEngine as Engine
from tests.conftest import Cli, make_page, write_series

DAY1, DAY2, DAY3 = "daily-2026-11-22", "daily-2026-11-23", "daily-2026-11-24"
DATES = [dt.date(2026, 11, 22), dt.date(2026, 11, 23), dt.date(2026, 11, 24)]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    folder = tmp_path_factory.mktemp("series")
    index_dir = IndexDir(folder / "ix")
    build(index_dir, write_series(folder / "daily"))
    engine = Engine(index_dir)
    yield engine
    engine.close()


@pytest.fixture
def series_run(run: Cli, tmp_path: Path) -> Cli:
    build(run.index_dir, write_series(tmp_path / "daily"))
    return run


def _plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.mark.parametrize(
    ("text", "written", "day"),
    [
        pytest.param("le taux le 24 novembre ?", "le 24 novembre", "2026-11-24", id="fr-no-year"),
        pytest.param(
            "le taux le 1er décembre 2025", "le 1er décembre 2025", "2025-12-01", id="fr-1er"
        ),
        pytest.param("yen on 2026-11-24?", "on 2026-11-24", "2026-11-24", id="iso"),
        pytest.param("dollar le 23/11 ?", "le 23/11", "2026-11-23", id="fr-numeric"),
        pytest.param("AEX on November 23", "on November 23", "2026-11-23", id="en-no-year"),
        pytest.param("AEX on Nov. 23rd, 2026", "on Nov. 23rd, 2026", "2026-11-23", id="en-abbr"),
        pytest.param("the 23rd of November", "the 23rd of November", "2026-11-23", id="en-of"),
        pytest.param("taux le 23 nov.", "le 23 nov.", "2026-11-23", id="fr-abbr"),
        # No snapshot on 25 November 2026 and none after the newest: the year before.
        pytest.param("yen on November 25", "on November 25", "2025-11-25", id="not-in-future"),
    ],
)
def test_dates_in_questions(text: str, written: str, day: str) -> None:
    when = find_when(text, lambda: DATES)
    assert when is not None and when.day is not None
    assert (text[when.start : when.end], when.day.isoformat()) == (written, day)


@pytest.mark.parametrize(
    ("text", "since", "until"),
    [
        pytest.param("depuis le 23 novembre", "2026-11-23", None, id="fr-since"),
        pytest.param("since November 23", "2026-11-23", None, id="en-since"),
        pytest.param("over the week", "2026-11-18", "2026-11-24", id="en-week"),
        pytest.param("sur 2 jours", "2026-11-23", "2026-11-24", id="fr-days"),
        pytest.param("sur les trois derniers jours", "2026-11-22", "2026-11-24", id="fr-words"),
    ],
)
def test_periods_end_at_the_newest_snapshot(text: str, since: str, until: str | None) -> None:
    when = find_when(text, lambda: DATES)
    assert when is not None and when.day is None
    expected = Period(dt.date.fromisoformat(since), until and dt.date.fromisoformat(until))
    assert when.period == expected


def test_no_date_reads_no_snapshot_list() -> None:
    def fail() -> list[dt.date]:
        raise AssertionError("the snapshot list was read for a question with no date")

    assert find_when("Combien valent 250 euros en yens ?", fail) is None


@pytest.mark.parametrize(
    ("question", "snapshot", "shown"),
    [
        pytest.param(
            "Quel était le taux de la livre sterling le 24 novembre ?",
            DAY3,
            "1 EUR = 0,86 GBP (livres sterling), soit 1 GBP = 1,16279 EUR, le 2026-11-24.",
            id="fr-day-month",
        ),
        pytest.param(
            "Quel était le taux de la livre sterling le 22 novembre 2026 ?",
            DAY1,
            "1 EUR = 0,87 GBP (livres sterling), soit 1 GBP = 1,14943 EUR, le 2026-11-22.",
            id="fr-with-year",
        ),
        pytest.param(
            "What was the yen on 2026-11-23?",
            DAY2,
            "1 EUR = 161.2 JPY (Japanese yen), so 1 JPY = 0.00620347 EUR, on 2026-11-23.",
            id="en-iso",
        ),
        pytest.param(
            "Combien valait le dollar le 23/11 ?",
            DAY2,
            "1 EUR = 1,16 USD (dollars des États-Unis), soit 1 USD = 0,862069 EUR,"
            " le 2026-11-23. « dollar » compris comme dollar des États-Unis (USD).",
            id="fr-numeric",
        ),
        pytest.param(
            "AEX on November 23",
            DAY2,
            "AEX: 985.50, up 1.00 points (+0.10%) on 2026-11-23.",
            id="en-quote",
        ),
        pytest.param(
            "AEX le 22 novembre",
            DAY1,
            "AEX : 980,00, en hausse de 1,00 points (+0,10 %) le 2026-11-22.",
            id="fr-quote",
        ),
    ],
)
def test_dated_table_questions(engine: Engine, question: str, snapshot: str, shown: str) -> None:
    reply = answer(engine, question)
    assert reply.answerable, reply.answer
    assert _plain(reply.answer) == shown
    assert {hit.snapshot for hit in reply.citations} == {snapshot}
    assert reply.question == question


@pytest.mark.parametrize(
    ("question", "snapshot", "paragraph", "label"),
    [
        pytest.param(
            "Qu'ont annoncé les syndicats le 23 novembre ?",
            DAY2,
            3,
            "(snapshot du 2026-11-23)",
            id="fr-removed-later",
        ),
        pytest.param(
            "Qu'a promulgué le président le 24 novembre ?",
            DAY3,
            3,
            "(snapshot du 2026-11-24)",
            id="fr-new-that-day",
        ),
    ],
)
def test_dated_paragraph_questions_read_that_day_only(
    engine: Engine, question: str, snapshot: str, paragraph: int, label: str
) -> None:
    reply = answer(engine, question)
    assert reply.answerable, reply.answer
    assert reply.answer.endswith(label)
    assert (reply.citations[0].snapshot, reply.citations[0].paragraph) == (snapshot, paragraph)
    assert {hit.snapshot for hit in reply.citations} == {snapshot}


def test_a_day_the_rate_is_missing_is_said_so(engine: Engine) -> None:
    reply = answer(engine, "Combien valait le dollar le 24 novembre ?")
    assert not reply.answerable
    assert reply.answer == f"Pas de taux pour dollar des États-Unis (USD) dans le snapshot {DAY3}."


@pytest.mark.parametrize(
    ("question", "reply_text"),
    [
        pytest.param(
            "Quel était le taux de la livre sterling le 25 novembre 2026 ?",
            "Aucun snapshot du 25 novembre 2026 ; les snapshots vont du 22 novembre 2026"
            " au 24 novembre 2026.",
            id="fr-after-the-newest",
        ),
        pytest.param(
            "What was the yen on 2026-11-21?",
            "No snapshot of November 21, 2026; the snapshots run from November 22, 2026"
            " to November 24, 2026.",
            id="en-before-the-oldest",
        ),
    ],
)
def test_a_date_with_no_snapshot_is_answered_honestly(
    engine: Engine, question: str, reply_text: str
) -> None:
    reply = answer(engine, question)
    assert not reply.answerable
    assert _plain(reply.answer) == reply_text
    assert reply.citations == ()


def test_a_gap_in_the_archive_names_the_nearest_earlier_snapshot(tmp_path: Path) -> None:
    pages = write_series(tmp_path / "daily")
    pages[1].unlink()  # no snapshot on 23 November
    index_dir = IndexDir(tmp_path / "ix")
    build(index_dir, [pages[0], pages[2]])
    with_gap = Engine(index_dir)
    try:
        reply = answer(with_gap, "taux de la livre le 23 novembre")
    finally:
        with_gap.close()
    assert not reply.answerable
    assert reply.answer.endswith(f"Le plus proche avant : 22 novembre 2026 ({DAY1}).")


def test_the_snapshot_option_wins_over_a_date_in_the_question(series_run: Cli) -> None:
    result = series_run(
        "ask", "--json", "--snapshot", DAY1, "Quel était le taux de la livre le 24 novembre ?"
    )
    assert result.exit_code == 0, result.output
    reply = json.loads(result.stdout)
    assert [hit["snapshot"] for hit in reply["citations"]] == [DAY1]
    assert "0,87 GBP" in _plain(reply["answer"])


def test_dated_question_from_the_command_line(series_run: Cli) -> None:
    result = series_run("ask", "What was the yen on 2026-11-24?")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("1 EUR = 159.3 JPY")
    assert f"[1] {DAY3} 2026-11-24" in result.stdout
    missing = series_run("ask", "What was the yen on 2026-11-25?")
    assert missing.exit_code == 1
    assert missing.stdout.startswith("No snapshot of November 25, 2026;")


# ----------------------------------------------------------------------------- history


@pytest.mark.parametrize(
    ("question", "values", "snapshots"),
    [
        pytest.param(
            "Comment a évolué la livre sterling ?",
            "Livre sterling (GBP) pour 1 EUR, du 2026-11-22 au 2026-11-24 : 0,87 le 2026-11-22,"
            " 0,88 le 2026-11-23, 0,86 le 2026-11-24. Variation : -1,15 % du premier au dernier.",
            [DAY3, DAY2, DAY1],
            id="fr-rate",
        ),
        pytest.param(
            "GBP history",
            "British pound (GBP) per 1 EUR, 2026-11-22 to 2026-11-24: 0.87 on 2026-11-22,"
            " 0.88 on 2026-11-23, 0.86 on 2026-11-24. Change: -1.15% from first to last.",
            [DAY3, DAY2, DAY1],
            id="en-code",
        ),
        pytest.param(
            "How did the AEX move over the week?",
            "AEX, 2026-11-22 to 2026-11-24: 980.00 on 2026-11-22, 985.50 on 2026-11-23,"
            " 975.00 on 2026-11-24. Change: -0.51% from first to last."
            " AEX: 975.00, up 1.00 points (+0.10%) on 2026-11-24.",
            [DAY3, DAY2, DAY1],
            id="en-quote-week",
        ),
        pytest.param(
            "Évolution du yen depuis le 23 novembre",
            "Yen japonais (JPY) pour 1 EUR, du 2026-11-23 au 2026-11-24 : 161,2 le 2026-11-23,"
            " 159,3 le 2026-11-24. Variation : -1,18 % du premier au dernier.",
            [DAY3, DAY2],
            id="fr-since",
        ),
        pytest.param(
            "Comment a évolué l'AEX sur 2 jours ?",
            "AEX, du 2026-11-23 au 2026-11-24 : 985,50 le 2026-11-23, 975,00 le 2026-11-24."
            " Variation : -1,07 % du premier au dernier."
            " AEX : 975,00, en hausse de 1,00 points (+0,10 %) le 2026-11-24.",
            [DAY3, DAY2],
            id="fr-days",
        ),
        pytest.param(
            "How did the dollar move?",
            "US dollar (USD) per 1 EUR, 2026-11-22 to 2026-11-23: 1.15 on 2026-11-22,"
            " 1.16 on 2026-11-23. Change: +0.87% from first to last."
            " “dollar” taken as US dollar (USD).",
            [DAY2, DAY1],
            id="en-missing-on-day-3",
        ),
    ],
)
def test_history_questions(
    engine: Engine, question: str, values: str, snapshots: list[str]
) -> None:
    reply = answer(engine, question)
    assert reply.answerable, reply.answer
    assert _plain(reply.answer) == values
    # Newest first: the first citation is the main source, where the series stands now.
    assert [hit.snapshot for hit in reply.citations] == snapshots
    assert len({hit.kind for hit in reply.citations}) == 1
    change = reply.answer[slice(*reply.highlights[0])]
    assert change.endswith("%") and change[0] in "+-"


def test_history_from_the_command_line(series_run: Cli) -> None:
    result = series_run("ask", "--json", "Comment a évolué la livre sterling ?")
    assert result.exit_code == 0
    reply = json.loads(result.stdout)
    cited = [(hit["snapshot"], hit["code"], hit["data"]["value"]) for hit in reply["citations"]]
    assert cited == [(DAY3, "GBP", 0.86), (DAY2, "GBP", 0.88), (DAY1, "GBP", 0.87)]


def test_a_history_question_with_a_snapshot_gets_that_day(engine: Engine) -> None:
    reply = answer(engine, "Comment a évolué l'AEX ?", snapshot=DAY2)
    assert _plain(reply.answer) == "AEX : 985,50, en hausse de 1,00 points (+0,10 %) le 2026-11-23."
    assert [hit.snapshot for hit in reply.citations] == [DAY2]


def test_one_snapshot_keeps_the_days_move(tmp_path: Path) -> None:
    page = tmp_path / "one-2026-11-26.txt"
    page.write_text(make_page(quotes=[("BEL20", "-18.6200", "4935.52", "-0.38%")]), "utf-8")
    index_dir = IndexDir(tmp_path / "ix")
    build(index_dir, [page])
    single = Engine(index_dir)
    try:
        reply = answer(single, "Comment a évolué le BEL20 ?")
    finally:
        single.close()
    assert _plain(reply.answer) == (
        "BEL20 : 4 935,52, en baisse de 18,62 points (-0,38 %) le 2026-11-26."
    )


def test_a_period_with_no_value_is_said_so(engine: Engine) -> None:
    reply = answer(engine, "Évolution du dollar depuis le 24 novembre")
    assert not reply.answerable
    assert reply.answer == (
        "Aucune valeur de Dollar des États-Unis (USD) pour 1 EUR depuis le 2026-11-24 ;"
        " les valeurs vont du 2026-11-22 au 2026-11-23."
    )
