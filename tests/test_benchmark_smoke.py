"""The benchmark runs end to end at N=1 and writes the JSON the report is made from.

Not a timed test: only the shape of the results is checked, never the numbers.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench.py"
ENGINES = ("snapsearch", "fts5_new", "fts5_old")


def test_smoke_run_writes_every_measurement(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(BENCH), "--smoke", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "snapsearch vs SQLite FTS5" in done.stdout
    assert "FTS5 (same documents)" in done.stdout

    results = json.loads(out.read_text("utf-8"))
    assert set(results) >= {"meta", "sizes", "targets"}
    size = results["sizes"]["1"]
    assert size["snapshots"] == 1 and size["documents"] > 0
    assert {"ratios", "elapsed_s", "phases_s"} <= set(size)
    for engine in ENGINES:
        stats = size[engine]
        assert {"seconds", "docs_per_s", "peak_rss_mb", "disk_bytes"} <= set(stats["build"])
        assert {"p50_ms", "p95_ms", "p99_ms", "by_category"} <= set(stats["keystrokes"])
        assert stats["keystrokes"]["count"] > 0
        assert "seconds" in stats["add_one"]
        assert {"Koursk", "dollar"} <= set(stats["cold_query"])
        assert all("median_ms" in cold for cold in stats["cold_query"].values())
    # The same documents make fewer FTS5 rows than one row per document per snapshot
    # only once texts repeat; at N=1 only the series differ (one row each either way).
    assert size["fts5_new"]["build"]["documents"] <= size["fts5_old"]["build"]["documents"]
    assert "median_ms" in size["python"]["cold_query"]["pass"]
    if shutil.which("rg"):
        assert "median_ms" in size["rg"]["cold_query"]["dollar"]
    else:
        assert "skipped" in size["rg"]
    assert {"p95_vs_fts5_new", "p95_vs_fts5_old", "cold_Koursk_vs_python"} <= set(size["ratios"])
    ask = size["snapsearch"]["ask"]
    assert "skipped" in ask or "p95_ms" in ask
    tui = size["snapsearch"]["tui"]
    assert "skipped" in tui or tui["peak_rss_mb"] > 0
    assert {t["verdict"] for t in results["targets"]} <= {"met", "not met", "not measured"}
    markdown = out.with_suffix(".md").read_text("utf-8")
    assert "| measure | engine | N=1 |" in markdown


def test_report_renders_a_results_file_as_markdown(tmp_path: Path) -> None:
    """`report.py RESULTS --markdown` renders a results file again, e.g. for the README."""
    out = tmp_path / "bench.json"
    subprocess.run(
        [sys.executable, str(BENCH), "--smoke", "--no-tui", "--engines", "fts5_old"]
        + ["--json", str(out)],
        capture_output=True,
        timeout=90,
        check=True,
    )
    done = subprocess.run(
        [sys.executable, str(BENCH.with_name("report.py")), str(out), "--markdown"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert "**issue 6 targets" in done.stdout
    assert "| keystroke p95 | FTS5 (per-snapshot rows) |" in done.stdout
    assert "| add one snapshot <= 0.3 s (in build) | every N | – | not measured |" in done.stdout
