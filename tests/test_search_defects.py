"""Defects a new user met, each through the real CLI, a subprocess or the real TUI."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from pathlib import Path

from index import IndexDir, build
from search.engine import WhooshEngine, snippet
from tests.conftest import SAMPLE, SAMPLE_ID, SEARCH_BIN, Cli, make_page, write_series
from tui import make_app


def test_diff_lists_only_what_moved_and_honours_top(run: Cli, tmp_path: Path) -> None:
    paths = write_series(tmp_path / "days")
    assert not build(run.index_dir, paths).failed
    result = json.loads(run("diff", "--json", "--top", "1").stdout)
    assert [m["name"] for m in result["rates"]] == ["GBP"]  # JPY moved less; USD is gone
    assert len(result["quotes"]) == 1  # AEX moved; BEL20 did not (and --top 1)
    assert all(m["percent"] != 0 for m in result["rates"] + result["quotes"])


def test_diff_of_one_snapshot_compares_it_with_the_one_before(run: Cli, tmp_path: Path) -> None:
    assert not build(run.index_dir, write_series(tmp_path / "days")).failed
    result = json.loads(run("diff", "--json", "daily-2026-11-23").stdout)
    assert (result["old"]["id"], result["new"]["id"]) == ("daily-2026-11-22", "daily-2026-11-23")
    same = run("diff", "latest", "daily-2026-11-24")
    assert same.exit_code == 2
    assert same.stderr == (
        "error: daily-2026-11-24 compared with itself; name two different snapshots\n"
    )


def test_history_json_has_the_changes_the_table_shows(run: Cli, tmp_path: Path) -> None:
    assert not build(run.index_dir, write_series(tmp_path / "days")).failed
    points = json.loads(run("history", "--json", "GBP").stdout)["points"]
    assert points[0]["change"] is None
    assert [round(p["change"], 4) for p in points[1:]] == [0.01, -0.02]
    assert round(points[1]["percent"], 3) == round(0.01 / 0.87 * 100, 3)


def test_a_closed_pipe_ends_quietly(sample_index: IndexDir) -> None:
    env = {**os.environ, "SEARCH_INDEX": str(sample_index.root)}
    for args in (
        ["query", "--limit", "100", "dollar"],
        ["query", "--json", "--limit", "100", "dollar"],
    ):
        shell = f"{SEARCH_BIN} {' '.join(args)} | head -1; exit ${{PIPESTATUS[0]}}"
        done = subprocess.run(["bash", "-c", shell], env=env, capture_output=True, text=True)
        assert done.returncode == 0, (args, done.stderr)
        assert "Traceback" not in done.stderr


def test_watch_prints_its_errors_on_stderr(tmp_path: Path) -> None:
    folder = tmp_path / "daily"
    folder.mkdir()
    (folder / "good-2026-11-01.txt").write_text(make_page())
    (folder / "bad-2026-11-02.txt").write_bytes(b"\x00binary")
    env = {**os.environ, "SEARCH_INDEX": str(tmp_path / "ix")}
    watcher = subprocess.Popen(
        [str(SEARCH_BIN), "index", "watch", str(folder)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "ix").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.5)
        watcher.send_signal(signal.SIGINT)
        out, err = watcher.communicate(timeout=30)
    finally:  # not left running when the test fails
        watcher.kill()
        watcher.communicate()
    assert "bad-2026-11-02.txt" in err and "error: " in err
    assert "error: " not in out and "good-2026-11-01" in out


def test_snippets_centre_on_the_words_that_matter() -> None:
    text = "de " + "x " * 200 + "le maire de Prague a parlé."
    first_de = (0, 2)
    maire = (text.index("maire"), text.index("maire") + 5)
    de = (text.index("de P"), text.index("de P") + 2)
    prague = (text.index("Prague"), text.index("Prague") + 6)
    shown, spans = snippet(text, [first_de, maire, de, prague], width=80)
    assert {shown[a:b] for a, b in spans} == {"maire", "de", "Prague"}


def test_a_question_highlights_no_stop_words(sample_index: IndexDir) -> None:
    engine = WhooshEngine(sample_index)
    hit = engine.document(f"{SAMPLE_ID}:p3", "Où les soldats nord-coréens sont-ils déployés ?")
    assert hit is not None
    marked = {hit.text[a:b].casefold() for a, b in hit.highlights}
    assert "déployés" in marked and not marked & {"les", "où", "ils", "de", "le"}
    engine.close()


def test_wrapped_snippets_keep_their_indent(run: Cli, sample_index: IndexDir) -> None:
    result = Cli(sample_index)("--color", "always", "query", "sanctions", "--limit", "3")
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    body = [line for line in lines if not line.startswith("\x1b[1m" + SAMPLE_ID)]
    assert body and all(line.startswith("    ") for line in body)


def test_tui_reindex_uses_absolute_paths_and_reports_missing_files(
    tmp_path: Path, monkeypatch: object
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    page = src / "daily-2026-11-01.txt"
    page.write_text(make_page(paragraphs=["Le premier texte du jour."]))
    gone = src / "gone-2026-11-02.txt"
    gone.write_text(make_page(paragraphs=["Un texte qui sera supprimé."]))
    index_dir = IndexDir(tmp_path / "ix")
    cwd = os.getcwd()
    os.chdir(src)
    try:
        assert not build(index_dir, [Path(page.name), Path(gone.name)]).failed
    finally:
        os.chdir(cwd)
    page.write_text(make_page(paragraphs=["Le texte a changé depuis."]))
    gone.unlink()
    app = make_app(index_dir)
    asyncio.run(_reindex(app))
    messages = [str(n.message) for n in app._notifications]
    assert any("1 snapshot(s) added or updated" in m for m in messages), messages
    assert any(str(gone) in m and "no such file" in m for m in messages), messages


async def _reindex(app: object) -> None:
    async with app.run_test() as pilot:  # type: ignore[attr-defined]
        app.action_reindex()  # type: ignore[attr-defined]
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()  # type: ignore[attr-defined]
        await pilot.pause()


def test_sample_ids_fit_the_snapshot_selector(tmp_path: Path) -> None:
    from tui.app import SELECT_WIDTH, _one_line

    assert len(_one_line("2026-11-24 " + "a-very-long-snapshot-name" * 3)) == SELECT_WIDTH
    assert _one_line("2026-11-24 short") == "2026-11-24 short"
    assert SAMPLE.exists()


def test_shell_completion_offers_snapshots_and_series(sample_index: IndexDir) -> None:
    env = {
        **os.environ,
        "SEARCH_INDEX": str(sample_index.root),
        "_SEARCH_COMPLETE": "bash_complete",
    }

    def complete(words: str) -> list[str]:
        env_words = {**env, "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)}
        done = subprocess.run([str(SEARCH_BIN)], env=env_words, capture_output=True, text=True)
        return [line.partition(",")[2] for line in done.stdout.splitlines()]

    assert complete("search query x --snapshot prague") == [SAMPLE_ID]
    assert complete("search history BEL") == ["BEL20"]
    missing = {**env, "SEARCH_INDEX": str(sample_index.root.parent / "none")}
    done = subprocess.run(
        [str(SEARCH_BIN)],
        env={**missing, "COMP_WORDS": "search history G", "COMP_CWORD": "2"},
        capture_output=True,
        text=True,
    )
    assert not done.stdout.strip() and not (sample_index.root.parent / "none").exists()


def test_every_hit_names_its_file_and_line(run: Cli, tmp_path: Path) -> None:
    page = tmp_path / "daily-2026-11-01.txt"
    page.write_text(
        make_page(
            paragraphs=["Un premier paragraphe.", "Le second, sur deux\nlignes, parle de Brno."]
        )
    )
    assert not build(run.index_dir, [page]).failed
    (hit,) = json.loads(run("query", "--json", "Brno").stdout)["hits"]
    assert hit["path"] == str(page.resolve())
    lines = page.read_text().splitlines()
    assert lines[hit["line"] - 1] == "Le second, sur deux"  # `$EDITOR +LINE PATH` lands here


def test_a_currency_is_one_hit_and_its_own_name_ranks_it_first(run: Cli, tmp_path: Path) -> None:
    """`dollar` means USD on a euro page, as `ask` reads it; a currency is one hit, its
    newest rate, however many days list it."""
    assert not build(run.index_dir, [SAMPLE, *write_series(tmp_path / "days")]).failed
    hits = json.loads(run("query", "--json", "--kind", "rate", "dollar").stdout)["hits"]
    assert hits[0]["code"] == "USD" and hits[0]["snapshot"] == SAMPLE_ID
    assert len({h["code"] for h in hits}) == len(hits)  # no currency twice
    for text in ("dollar américain", '"dollar américain"', "American dollar", "US dollar"):
        found = json.loads(run("query", "--json", text).stdout)["hits"]
        assert [h["code"] for h in found[:1]] == ["USD"], text
    for text, code in (("livre", "GBP"), ("pound", "GBP"), ("franc", "CHF")):
        found = json.loads(run("query", "--json", "--kind", "rate", text).stdout)["hits"]
        assert found[0]["code"] == code, text
    # Its history is at hand: every day's point, oldest first.
    gbp = json.loads(run("history", "--json", "GBP").stdout)["points"]
    assert len(gbp) == 4
