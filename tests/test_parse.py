"""The snapshot parser on the reference page, its drifted variants and bad files."""

from __future__ import annotations

import codecs
import datetime as dt
import os
from pathlib import Path

import pytest

from index import SnapshotError, parse_snapshot, read_snapshot
from tests.conftest import SAMPLE, SAMPLE_ID, make_page

SAMPLE_BYTES = SAMPLE.read_bytes()


def test_reference_page_counts() -> None:
    snap = read_snapshot(SAMPLE)
    assert (snap.id, snap.date, snap.base) == (SAMPLE_ID, dt.date(2026, 11, 24), "EUR")
    assert (snap.site, snap.headline) == ("The Prague Post", "Poutine–Kim, l’alliance choc")
    assert (len(snap.paragraphs), len(snap.rates), len(snap.quotes)) == (10, 170, 9)


def test_reference_page_values() -> None:
    snap = read_snapshot(SAMPLE)
    rates = {r.code: r for r in snap.rates}
    assert rates["AED"].value == 4.247186 and rates["AED"].raw == "4.247186"
    assert rates["CAD"].value == 1.617302
    quotes = {q.name: q for q in snap.quotes}
    assert (quotes["AEX"].level, quotes["AEX"].change, quotes["AEX"].percent) == (
        981.61,
        6.24,
        0.64,
    )
    assert (quotes["BEL20"].level, quotes["BEL20"].change) == (4941.73, -30.33)
    assert quotes["N150"].level == 3739
    assert [q.name for q in snap.quotes][:3] == ["AEX", "BEL20", "PX1"]
    assert snap.paragraphs[0].startswith("Le rapprochement accéléré")
    assert snap.paragraphs[-1].endswith("l’ordre sécuritaire eurasiatique.")


def _variant(transform: str) -> bytes:
    text = SAMPLE_BYTES.decode("utf-8")
    if transform == "crlf":
        return text.replace("\n", "\r\n").encode("utf-8")
    if transform == "bom":
        return codecs.BOM_UTF8 + SAMPLE_BYTES
    if transform == "utf16":
        return text.encode("utf-16")  # Python writes the BOM
    if transform == "utf16-be":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    if transform == "nbsp":
        return text.replace(" :", "\u00a0:").replace("« ", "«\u202f").encode("utf-8")
    raise AssertionError(transform)


@pytest.mark.parametrize("transform", ["crlf", "bom", "utf16", "utf16-be", "nbsp"])
def test_encoding_variants_give_the_same_snapshot(transform: str) -> None:
    reference = parse_snapshot(SAMPLE_BYTES, path=str(SAMPLE))
    variant = parse_snapshot(_variant(transform), path=str(SAMPLE))
    assert variant.rates == reference.rates
    assert variant.quotes == reference.quotes
    assert variant.headline == reference.headline
    assert variant.paragraphs == reference.paragraphs  # NBSP reads as a space


def test_page_without_ticker_and_fewer_currencies() -> None:
    page = make_page(rates={"USD": "1.156484", "GBP": "0.87"}, paragraphs=["Un.", "Deux."])
    snap = parse_snapshot(page.encode(), path="x/site-2026-01-02.txt")
    assert snap.quotes == ()
    assert [r.code for r in snap.rates] == ["USD", "GBP"]
    assert snap.paragraphs == ("Un.", "Deux.")
    assert snap.date == dt.date(2026, 1, 2)


def test_english_article_and_no_tables() -> None:
    paragraphs = [
        "Kyiv said on Monday that North Korean troops were deployed near Kursk.",
        "Sanctions were tightened by the European Union.",
    ]
    page = make_page(headline="Putin and Kim", base=None, paragraphs=paragraphs)
    snap = parse_snapshot(page.encode(), path="en-2026-11-25.txt")
    assert (snap.base, snap.rates, snap.quotes) == (None, (), ())
    assert snap.paragraphs == tuple(paragraphs)


def test_wrapped_paragraph_lines_are_joined() -> None:
    page = make_page(paragraphs=["First line of a paragraph\nthat goes on here."])
    snap = parse_snapshot(page.encode(), path="w.txt")
    assert snap.paragraphs == ("First line of a paragraph that goes on here.",)


def test_date_falls_back_to_modification_time(tmp_path: Path) -> None:
    path = tmp_path / "undated.txt"
    path.write_text(make_page())
    stamp = dt.datetime(2025, 3, 4, 12, 0).timestamp()
    os.utime(path, (stamp, stamp))
    assert read_snapshot(path).date == dt.date(2025, 3, 4)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"", "empty file", id="empty"),
        pytest.param(b"  \n\n \r\n", "empty file", id="blank"),
        pytest.param(b"abc\x00\x01def" * 10, "binary file (NUL bytes)", id="nul"),
        pytest.param("Caf\u00e9 - menu\n\nsoupe".encode("latin-1"), "not UTF-8 text", id="latin1"),
        pytest.param(b"just a line of text\n\nand another", "not a snapshot", id="no-title"),
        pytest.param(b"Site - Headline\n\n", "not a snapshot", id="title-only"),
        pytest.param(b"\x01\x02\x03\x04 - x\x05\x06\n" * 20, "binary content", id="controls"),
    ],
)
def test_bad_files_raise_snapshot_error(data: bytes, reason: str) -> None:
    with pytest.raises(SnapshotError) as info:
        parse_snapshot(data, path="bad.txt")
    assert info.value.path == "bad.txt"
    assert reason in info.value.reason


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big-2026-01-01.txt"
    path.write_bytes(SAMPLE_BYTES)
    with pytest.raises(SnapshotError, match="over the 0.001 MB limit"):
        read_snapshot(path, max_bytes=1000)
