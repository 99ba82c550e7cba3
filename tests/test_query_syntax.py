"""The query syntax users bring (phrases, exclusion, OR, groups, field filters), dates,
sorting, paging and counting, through the real CLI on the bundled sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index import IndexDir, build
from search.engine import AllOf, AnyOf, Exclude, Phrase, Text, parse_query
from tests.conftest import SAMPLE, Cli, make_page

SAMPLE_DAY = "2026-11-24"


def _ids(run: Cli, *args: str) -> list[str]:
    result = run("query", "--json", "--limit", "50", *args)
    assert result.exit_code in (0, 1), result.stderr
    return [hit["id"].split(":")[1] for hit in json.loads(result.stdout)["hits"]]


def _texts(run: Cli, *args: str) -> list[str]:
    result = run("query", "--json", "--limit", "50", *args)
    return [hit["text"] for hit in json.loads(result.stdout)["hits"]]


@pytest.mark.parametrize(
    ("text", "node"),
    [
        pytest.param("Corée du Nord", Text("Corée du Nord"), id="words"),
        pytest.param('"Corée du Nord"', Phrase("Corée du Nord"), id="phrase"),
        pytest.param(
            "Moscou -Pyongyang", AllOf((Text("Moscou"), Exclude(Text("Pyongyang")))), id="not"
        ),
        pytest.param("Moscou OR Prague", AnyOf((Text("Moscou"), Text("Prague"))), id="or"),
        pytest.param("(a OR b) c", AllOf((AnyOf((Text("a"), Text("b"))), Text("c"))), id="group"),
        pytest.param('a "b', Text("a b"), id="stray quote"),
        pytest.param("a) b (", Text("a b"), id="stray parentheses"),
        pytest.param("OR a OR", Text("a"), id="stray OR"),
        pytest.param("Saint-Pétersbourg", Text("Saint-Pétersbourg"), id="inner hyphen"),
        pytest.param("- a", Text("- a"), id="lone minus"),
    ],
)
def test_parse(text: str, node: object) -> None:
    assert parse_query(text).node == node


def test_field_filters_come_out_of_the_text() -> None:
    parsed = parse_query("kind:rate dollar since:2026-11-01 kind:nope until:2026-13-01")
    assert parsed.filters == {"kind": "rate", "since": "2026-11-01"}
    assert parsed.node == Text("dollar kind:nope until:2026-13-01")


def test_a_phrase_keeps_its_words_together_and_in_order(run: Cli, sample_index: IndexDir) -> None:
    loose = _texts(run, "Corée du Nord")
    phrase = _texts(run, '"Corée du Nord"')
    assert phrase and set(phrase) < set(loose)
    assert all("corée du nord" in text.lower() for text in phrase)
    assert _ids(run, '"Nord du Corée"') == []


def test_exclusion(run: Cli, sample_index: IndexDir) -> None:
    texts = _texts(run, "--", "Moscou -Pyongyang")
    assert texts and all("Pyongyang" not in t for t in texts)
    assert all("Moscou" in t for t in texts)
    excluded_phrase = _texts(run, "--", 'Corée -"Corée du Nord"')
    assert excluded_phrase and all("Corée du Nord" not in t for t in excluded_phrase)


def test_or_and_groups(run: Cli, sample_index: IndexDir) -> None:
    moscou, prague = set(_ids(run, "Moscou")), set(_ids(run, "Prague"))
    assert set(_ids(run, "Moscou OR Prague")) == moscou | prague
    grouped = set(_ids(run, "(Moscou OR Prague) Kim"))
    assert grouped and grouped <= (moscou | prague) & set(_ids(run, "Kim"))


def test_highlights_skip_excluded_words(run: Cli, sample_index: IndexDir) -> None:
    result = run("query", "--json", "--", "Corée -Pyongyang")
    for hit in json.loads(result.stdout)["hits"]:
        marked = {hit["text"][a:b].lower() for a, b in hit["highlights"]}
        assert marked and marked <= {"corée"}


def test_kind_filter_in_the_text_or_as_an_option(run: Cli, sample_index: IndexDir) -> None:
    assert _ids(run, "kind:rate dollar") == _ids(run, "dollar", "--kind", "rate")
    assert set(_ids(run, "kind:rate dollar")) == {"rate"}


@pytest.fixture
def two_days(tmp_path: Path, index_dir: IndexDir) -> IndexDir:
    older = tmp_path / "daily-2026-11-20.txt"
    older.write_text(make_page(paragraphs=["Un tramway neuf roule à Brno depuis lundi."]))
    assert not build(index_dir, [SAMPLE, older]).failed
    return index_dir


def test_dates_restrict(run: Cli, two_days: IndexDir) -> None:
    everything = run("query", "--json", "--limit", "50", "tramway OR Koursk")
    dates = {hit["date"] for hit in json.loads(everything.stdout)["hits"]}
    assert dates == {"2026-11-20", SAMPLE_DAY}
    for args, day in [
        (("--since", "2026-11-21"), SAMPLE_DAY),
        (("--until", "2026-11-21"), "2026-11-20"),
        (("--snapshot", "2026-11-20"), "2026-11-20"),
        (("since:2026-11-21",), SAMPLE_DAY),
    ]:
        result = run("query", "--json", "tramway OR Koursk", *args)
        assert {hit["date"] for hit in json.loads(result.stdout)["hits"]} == {day}, args


def test_sort_offset_and_count(run: Cli, two_days: IndexDir) -> None:
    query = "Brno OR Koursk OR Moscou"
    newest = [
        h["date"]
        for h in json.loads(run("query", query, "--json", "--sort", "newest").stdout)["hits"]
    ]
    oldest = [
        h["date"]
        for h in json.loads(run("query", query, "--json", "--sort", "oldest").stdout)["hits"]
    ]
    assert newest == sorted(newest, reverse=True) and oldest == sorted(oldest)
    every = _ids(run, query)
    assert _ids(run, query, "--offset", "2") == every[2:]
    counted = run("query", query, "--count")
    assert counted.exit_code == 0 and counted.stdout == f"{len(every)}\n"
    assert run("query", "zzzzzz", "--count").stdout == "0\n"


def test_files_with_matches_lists_each_file_once_oldest_first(
    run: Cli, two_days: IndexDir, tmp_path: Path
) -> None:
    """grep -l: the files holding a match, each once, however many hits are in them; a
    paragraph repeated on two days is in both files."""
    repeated = make_page(paragraphs=["Un tramway neuf roule à Brno depuis lundi."])
    (tmp_path / "daily-2026-11-21.txt").write_text(repeated)
    assert not build(two_days, [tmp_path / "daily-2026-11-21.txt"]).failed
    days = [str(tmp_path / f"daily-2026-11-{day}.txt") for day in (20, 21)]
    assert run("query", "-l", "tramway").stdout.splitlines() == days
    assert run("query", "--files-with-matches", "Koursk").stdout.splitlines() == [str(SAMPLE)]
    both = run("query", "-l", "tramway OR Koursk").stdout.splitlines()
    assert both == [*days, str(SAMPLE)]
    assert run("query", "-l", "tramway", "--since", "2026-11-21").stdout.splitlines() == days[1:]
    assert run("query", "-l", "tramway", "--snapshot", "2026-11-20").stdout.splitlines() == days[:1]
    listed = json.loads(run("query", "-l", "--json", "Koursk").stdout)
    assert listed == {"files": [str(SAMPLE)]}
    missing = run("query", "-l", "zzzzzz")
    assert (missing.exit_code, missing.stdout) == (1, "")


def test_ndjson_is_one_hit_a_line(run: Cli, sample_index: IndexDir) -> None:
    result = run("query", "Moscou", "--format", "ndjson", "--limit", "3")
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and all(json.loads(line)["kind"] for line in lines)


def test_a_bad_date_is_one_error_line(run: Cli, sample_index: IndexDir) -> None:
    result = run("query", "Koursk", "--since", "2026-13-01")
    assert result.exit_code == 2 and result.stderr.startswith("error: Invalid value for '--since'")


def test_no_color_drops_every_style(run: Cli, sample_index: IndexDir) -> None:
    styled = run("--color", "always", "query", "Koursk")
    plain = run("--color", "never", "query", "Koursk")
    assert "\x1b[" in styled.stdout and "\x1b[" not in plain.stdout


def test_the_first_hit_does_not_depend_on_the_limit(tmp_path: Path, index_dir: IndexDir) -> None:
    pages = []
    for day in ("2026-11-21", "2026-11-22", "2026-11-23"):
        page = tmp_path / f"d-{day}.txt"
        page.write_text(make_page(rates={"AUD": "1.6", "USD": "1.1"}))
        pages.append(page)
    assert not build(index_dir, pages).failed
    run = Cli(index_dir)
    first = json.loads(run("query", "--json", "--limit", "1", "AUD").stdout)["hits"][0]
    listed = json.loads(run("query", "--json", "--limit", "10", "AUD").stdout)["hits"][0]
    assert first["id"] == listed["id"] and first["date"] == "2026-11-23"


@pytest.mark.parametrize(
    ("query", "page_text"),
    [
        pytest.param("métro", "Le réseau compte trois lignes de métros.", id="métro/métros"),
        pytest.param("métros", "Un métro automatique pour Brno.", id="métros/métro"),
        pytest.param("euro milliards", "Un contrat de 70 milliards d’euros.", id="euro milliards"),
        pytest.param("milliard d'euro", "Un contrat de 70 milliards d’euros.", id="singulars"),
        pytest.param("tramway", "Deux tramways neufs.", id="tramway/tramways"),
    ],
)
def test_singular_and_plural_meet(tmp_path: Path, query: str, page_text: str) -> None:
    page = tmp_path / "p-2026-11-01.txt"
    page.write_text(make_page(paragraphs=[page_text]))
    index_dir = IndexDir(tmp_path / "ix")
    assert not build(index_dir, [page]).failed
    result = Cli(index_dir)("query", "--json", "--kind", "paragraph", query)
    assert [hit["text"] for hit in json.loads(result.stdout)["hits"]] == [page_text]
