"""Scale-out, tested: builds on a primary, searches from a streaming replica (--read-url)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from index.postgres import build
from search.cli import cli
from search.engine import PostgresBackend
from tests.conftest import SAMPLE, SAMPLE_ID, make_page
from tests.pg_support import PgCluster, start_cluster, start_replica
from tests.service_support import TOKEN, running_server

CATCH_UP = 10.0  # seconds a replica may take to replay a commit


@pytest.fixture(scope="module")
def primary_and_replica(pg_cluster: PgCluster) -> Iterator[tuple[PgCluster, PgCluster]]:
    primary = start_cluster(pg_cluster.bindir)
    try:
        replica = start_replica(primary)
        try:
            yield primary, replica
        finally:
            replica.stop()
    finally:
        primary.stop()


def _eventually(check: PostgresBackend, snapshot: str) -> None:
    deadline = time.monotonic() + CATCH_UP
    while True:
        check.refresh()
        if any(info.id == snapshot for info in check.snapshots()):
            return
        assert time.monotonic() < deadline, f"the replica never showed {snapshot}"
        time.sleep(0.05)


def test_searches_from_a_replica_see_builds_on_the_primary(
    primary_and_replica: tuple[PgCluster, PgCluster], tmp_path: Path
) -> None:
    primary, replica = primary_and_replica
    assert not build(primary.url(), [SAMPLE]).failed
    # The schema itself reaches the replica by replication: wait for it to open.
    deadline = time.monotonic() + CATCH_UP
    while True:
        try:
            backend = PostgresBackend(primary.url(), read_url=replica.url())
            break
        except Exception:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    try:
        _eventually(backend, SAMPLE_ID)
        page = tmp_path / "daily-2026-11-25.txt"
        page.write_text(make_page(headline="Nouveau", paragraphs=["Un pont neuf sur la Vltava."]))
        tick = time.monotonic()
        assert not build(primary.url(), [page]).failed
        _eventually(backend, "daily-2026-11-25")
        lag = time.monotonic() - tick
        assert backend.search("Vltava").hits[0].snapshot == "daily-2026-11-25"
        assert lag < CATCH_UP
    finally:
        backend.close()
    env = {"SEARCH_BACKEND": primary.url(), "SEARCH_READ_URL": replica.url(), "NO_COLOR": "1"}
    result = CliRunner().invoke(cli, ["query", "--json", "Vltava"], env=env, prog_name="search")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["hits"][0]["snapshot"] == "daily-2026-11-25"


def test_the_replica_refuses_builds(primary_and_replica: tuple[PgCluster, PgCluster]) -> None:
    _, replica = primary_and_replica
    env = {"SEARCH_BACKEND": replica.url(), "NO_COLOR": "1"}
    result = CliRunner().invoke(cli, ["index", "build", str(SAMPLE)], env=env, prog_name="search")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "read-only" in result.stderr


def test_search_serve_writes_to_the_primary_and_reads_from_the_replica(
    primary_and_replica: tuple[PgCluster, PgCluster], tmp_path: Path
) -> None:
    primary, replica = primary_and_replica
    group = ["--backend", primary.url(), "--read-url", replica.url()]
    with running_server(None, tmp_path, group=group) as server:
        page = make_page(headline="Tunnel", paragraphs=["Un tunnel passera sous la Vltava."])
        posted = httpx.post(
            f"{server.url}/api/v1/snapshots/daily-2026-11-27",
            content=page.encode(),
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=60,
        )
        assert posted.status_code == 201, posted.text
        deadline = time.monotonic() + CATCH_UP
        while True:
            found = httpx.get(f"{server.url}/api/v1/search", params={"q": "tunnel"}).json()
            if found["hits"]:
                break
            assert time.monotonic() < deadline, "the replica never served the new page"
            time.sleep(0.1)
        assert found["hits"][0]["snapshot"] == "daily-2026-11-27"
        status = httpx.get(f"{server.url}/api/v1/status").json()
        assert status["index"].startswith("postgresql://") and status["documents"] > 0
