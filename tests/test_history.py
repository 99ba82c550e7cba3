"""Rates and stock indexes across snapshots, and what changed between two snapshots."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import IndexDir, SnapsearchError, build
from search.engine import WhooshEngine as Engine
from search.timeline import UnknownSeriesError, diff, history
from tests.conftest import run_process, write_series


@pytest.fixture
def engine(index_dir: IndexDir, tmp_path: Path) -> Engine:
    build(index_dir, write_series(tmp_path / "daily"))
    return Engine(index_dir)


@pytest.mark.parametrize(
    ("code", "key", "values"),
    [
        pytest.param("GBP", "rate:GBP", [0.87, 0.88, 0.86], id="rate"),
        pytest.param("gbp", "rate:GBP", [0.87, 0.88, 0.86], id="lowercase"),
        pytest.param("USD", "rate:USD", [1.15, 1.16], id="missing-on-day-3"),
        pytest.param("aex", "quote:AEX", [980, 985.5, 975], id="index"),
    ],
)
def test_history_oldest_first(engine: Engine, code: str, key: str, values: list[float]) -> None:
    series = history(engine, code)
    assert series.key == key
    assert [p.value for p in series.points] == values
    assert [p.date for p in series.points] == ["2026-11-22", "2026-11-23", "2026-11-24"][
        : len(values)
    ]
    assert all(p.hit.snapshot == f"daily-{p.date}" for p in series.points)


def test_history_names_the_rate(engine: Engine) -> None:
    series = history(engine, "GBP")
    assert (series.name, series.base) == ("GBP (British Pound)", "EUR")
    assert series.to_json()["points"][0]["citation"]["kind"] == "rate"


def test_unknown_series(engine: Engine) -> None:
    with pytest.raises(UnknownSeriesError, match="no rate or stock index 'XYZ'"):
        history(engine, "XYZ")


def test_a_byte_the_terminal_could_not_decode_is_an_unknown_series(
    engine: Engine, index_dir: IndexDir
) -> None:
    """`search history $'\\xff'` gets the byte as a lone surrogate: unknown, not a damaged
    index to rebuild."""
    with pytest.raises(UnknownSeriesError, match="no rate or stock index"):
        history(engine, "GB\udcff")
    done = run_process("history", "\udcff", index=index_dir.root)
    assert done.returncode == 2 and "no rate or stock index" in done.stderr
    assert "damaged" not in done.stderr


def test_diff_of_the_two_newest(engine: Engine) -> None:
    changes = diff(engine)
    assert (changes.old.id, changes.new.id) == ("daily-2026-11-23", "daily-2026-11-24")
    summary = [
        (c.status, c.old and c.old.paragraph, c.new and c.new.paragraph) for c in changes.paragraphs
    ]
    assert sorted(summary, key=str) == sorted(
        [("changed", 2, 2), ("new", None, 3), ("removed", 3, None)], key=str
    )
    assert changes.unchanged == 1
    gbp = next(m for m in changes.rates if m.key == "rate:GBP")
    assert (gbp.old, gbp.new) == (0.88, 0.86)
    assert "rate:USD" not in {m.key for m in changes.rates}  # absent on the newer day
    assert changes.rates[0].key == "rate:GBP"  # -2.3 % is the largest move
    aex = next(m for m in changes.quotes if m.key == "quote:AEX")
    assert aex.percent == pytest.approx((975 - 985.5) / 985.5 * 100)


def test_diff_of_a_repeated_article_has_no_paragraph_changes(engine: Engine) -> None:
    changes = diff(engine, "daily-2026-11-22", "daily-2026-11-23")
    assert changes.paragraphs == () and changes.unchanged == 3


def test_diff_needs_two_snapshots(sample_index: IndexDir) -> None:
    with pytest.raises(SnapsearchError, match="a diff needs two snapshots; the index holds 1"):
        diff(Engine(sample_index))
