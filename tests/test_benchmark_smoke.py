"""The benchmark runs end to end at N=1 and writes the JSON the report is made from.

Not a timed test: only the shape of the results is checked, never the numbers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench.py"


def test_smoke_run_writes_every_measurement(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(BENCH), "--smoke", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "snapsearch vs SQLite FTS5" in done.stdout

    results = json.loads(out.read_text("utf-8"))
    assert set(results) >= {"meta", "sizes", "targets"}
    size = results["sizes"]["1"]
    assert size["snapshots"] == 1 and size["documents"] > 0
    assert {"p95_ratio", "elapsed_s", "phases_s"} <= set(size)
    for engine in ("snapsearch", "fts5"):
        stats = size[engine]
        assert {"seconds", "docs_per_s", "peak_rss_mb", "disk_bytes"} <= set(stats["build"])
        assert {"p50_ms", "p95_ms", "p99_ms", "by_category"} <= set(stats["keystrokes"])
        assert stats["keystrokes"]["count"] > 0
        assert "seconds" in stats["add_one"]
        assert "median_ms" in stats["cold_query"]
    ask = size["snapsearch"]["ask"]
    assert "skipped" in ask or "p95_ms" in ask
    assert {t["verdict"] for t in results["targets"]} <= {"met", "not met", "not measured"}
