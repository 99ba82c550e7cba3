"""The real `search serve` process on a free loopback port, through a real HTTP client:
every route, every error status, auth, limits, the safe-bind rules, builds beside requests,
and the CLI's --server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from index import IndexDir, build
from tests.conftest import SAMPLE, SAMPLE_ID, SEARCH_BIN, make_page, run_process, write_series
from tests.service_support import Running, free_port, running_server

API = "/api/v1"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("served")
    assert not build(IndexDir(folder / "ix"), [SAMPLE, *write_series(folder / "pages")]).failed
    return folder


@pytest.fixture(scope="module")
def server(folder: Path) -> Iterator[Running]:
    with running_server(folder / "ix", folder, "--timeout", "300") as running:
        yield running


ROUTES = [
    f"{API}/search?q=Koursk",
    f"{API}/search?q=gbp&kind=rate&limit=3&snapshot=latest&sort=newest&offset=1",
    f"{API}/ask?q=Combien valent 250 euros en yens ?",
    f"{API}/snapshots",
    f"{API}/status",
    f"{API}/documents/{SAMPLE_ID}:p3?highlight=Koursk",
    f"{API}/history/AEX",
    f"{API}/diff?top=2",
    f"{API}/openapi.json",
    f"{API}/_seam/resolve?snapshot=latest",
    f"{API}/_seam/document_count",
    f"{API}/_seam/words?text=l’Alliance",
    f"{API}/_seam/frequency?field=plain&term=koursk",
    f"{API}/_seam/documents?series=rate:GBP",
    f"{API}/_seam/newest?series=quote:AEX&limit=2",
    f"{API}/_seam/values?field=code",
    "/healthz",
    "/metrics",
]


@pytest.mark.parametrize("route", ROUTES)
def test_every_read_route_answers(server: Running, route: str) -> None:
    response = httpx.get(server.url + route, timeout=120)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("method", "route", "body", "status"),
    [
        pytest.param("POST", "/_seam/tokens", {"text": "Les soldats", "lang": "fr"}, 200, id="tok"),
        pytest.param("POST", "/_seam/match", {"words": [], "kind": "paragraph"}, 200, id="match"),
        pytest.param("POST", "/_seam/count", {"phrases": [], "kind": "paragraph"}, 200, id="count"),
        pytest.param("POST", "/_seam/match", {"words": "x"}, 400, id="match-bad"),
        pytest.param("POST", "/_seam/count", {"phrases": [], "kind": "p", "since": "x"}, 400),
    ],
)
def test_seam_posts(server: Running, method: str, route: str, body: object, status: int) -> None:
    response = httpx.request(method, f"{server.url}{API}{route}", json=body, timeout=60)
    assert response.status_code == status


@pytest.mark.parametrize(
    ("route", "status", "code"),
    [
        pytest.param("/search?q=a&limit=100000", 400, "bad-query", id="400"),
        pytest.param("/search?q=" + "x" * 1001, 400, "bad-query", id="400-long-query"),
        pytest.param("/search?q=a&snapshot=nope", 404, "unknown-snapshot", id="404-snapshot"),
        pytest.param("/documents/nope:p1", 404, "unknown-document", id="404-document"),
        pytest.param("/history/XYZ", 404, "unknown-series", id="404-series"),
    ],
)
def test_error_statuses(server: Running, route: str, status: int, code: str) -> None:
    response = httpx.get(f"{server.url}{API}{route}", timeout=60)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.headers["content-type"] == "application/problem+json"


def test_upload_auth_and_limits(server: Running, tmp_path: Path) -> None:
    url = f"{server.url}{API}/snapshots/daily-2026-11-28"
    page = make_page(headline="Pont", paragraphs=["Un téléphérique sur la Vltava."]).encode()
    assert httpx.post(url, content=page).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert httpx.post(url, content=page, headers=wrong).status_code == 401
    right = {"Authorization": f"Bearer {server.token}"}
    bad = httpx.post(url, content=b"not a page", headers=right)
    assert (bad.status_code, bad.json()["code"]) == (422, "bad-page")
    huge = httpx.post(url, content=b"x" * (20 * 1024 * 1024 + 1), headers=right, timeout=60)
    assert (huge.status_code, huge.json()["code"]) == (413, "too-large")
    added = httpx.post(url, content=page, headers=right, timeout=60)
    assert added.status_code == 201 and added.json()["added"] == ["daily-2026-11-28"]
    hits = httpx.get(f"{server.url}{API}/search", params={"q": "téléphérique"}).json()["hits"]
    assert [h["snapshot"] for h in hits] == ["daily-2026-11-28"]
    assert (server_pages(server) / "daily-2026-11-28.txt").read_bytes() == page


def server_pages(server: Running) -> Path:
    status = httpx.get(f"{server.url}{API}/status").json()
    return Path(status["index"]).parent / "snapshots"


def test_no_index_is_503(tmp_path: Path) -> None:
    with running_server(tmp_path / "none", tmp_path) as empty:
        response = httpx.get(f"{empty.url}{API}/search", params={"q": "Koursk"})
        assert (response.status_code, response.json()["code"]) == (503, "index-missing")


def test_requests_never_fail_while_builds_run(folder: Path, tmp_path: Path) -> None:
    """Builds, a rebuild and uploads commit while four clients loop over read routes."""
    index_dir = IndexDir(tmp_path / "ix")
    pages = write_series(tmp_path / "pages")
    assert not build(index_dir, [SAMPLE, *pages]).failed
    with running_server(index_dir.root, tmp_path, "--timeout", "300") as live:
        outcomes: Counter[int | str] = Counter()
        stop = threading.Event()

        def client() -> None:
            routes = ["/search?q=Koursk", "/search?q=gbp&kind=rate", "/snapshots", "/status"]
            routes += ["/history/GBP", "/_seam/words?text=budget", f"/documents/{SAMPLE_ID}:p2"]
            with httpx.Client(base_url=live.url + API, timeout=60) as http:
                while not stop.is_set():
                    for route in routes:
                        try:
                            outcomes[http.get(route).status_code] += 1
                        except httpx.HTTPError as exc:
                            outcomes[type(exc).__name__] += 1

        clients = [threading.Thread(target=client) for _ in range(4)]
        for thread in clients:
            thread.start()
        try:
            for day in range(1, 9):
                page = tmp_path / "new" / f"daily-2026-12-{day:02d}.txt"
                page.parent.mkdir(exist_ok=True)
                page.write_text(make_page(headline=f"Jour {day}", paragraphs=[f"Texte {day}."]))
                if day % 2:
                    assert not build(index_dir, [page]).failed  # as `index build`/`watch` do
                else:
                    assert live.post_page(page).status_code == 201
            all_pages = [SAMPLE, *pages, *sorted((tmp_path / "new").iterdir())]
            assert not build(index_dir, all_pages, rebuild=True).failed
        finally:
            stop.set()
            for thread in clients:
                thread.join()
    assert set(outcomes) == {200}, outcomes
    assert outcomes[200] > 50


def test_two_workers(folder: Path, tmp_path: Path) -> None:
    with running_server(folder / "ix", tmp_path, "--workers", "2") as live:
        for _ in range(10):
            assert httpx.get(f"{live.url}{API}/search", params={"q": "Koursk"}).status_code == 200


# ------------------------------------------------------------------ HttpBackend's connections


def test_the_client_outlives_a_restart_of_the_service(folder: Path, tmp_path: Path) -> None:
    """A kept connection to a service that has since restarted fails before any answer:
    the client sends the request again on a new connection, once."""
    from search.engine import HttpBackend

    with running_server(folder / "ix", tmp_path) as first:
        client = HttpBackend(first.url)
        before = client.search("Koursk")
        assert len(client._idle) == 1  # kept for the next request
    port = int(first.url.rpartition(":")[2])
    with running_server(folder / "ix", tmp_path, port=port):
        after = client.search("Koursk")
    assert after == before and after.total >= 1
    client.close()


def test_one_client_from_many_threads(server: Running) -> None:
    """The TUI asks from worker threads: each request has a connection to itself."""
    from search.engine import HttpBackend

    client = HttpBackend(server.url)
    words = ["Koursk", "Prague", "métro", "dollar", "AEX", "Pyongyang"]
    alone = {word: client.search(word) for word in words}
    together: dict[str, list[object]] = {word: [] for word in words}

    def ask(word: str) -> None:
        for _ in range(5):
            together[word].append(client.search(word))

    threads = [threading.Thread(target=ask, args=(word,)) for word in words]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(found == [alone[word]] * 5 for word, found in together.items())
    assert 1 <= len(client._idle) <= len(words)
    client.close()
    assert client._idle == []


# ------------------------------------------------------------------ the CLI as a client


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["query", "Koursk", "--json"], id="query"),
        pytest.param(["query", "gbp", "--kind", "rate", "--limit", "2", "--json"], id="options"),
        pytest.param(["history", "GBP", "--json"], id="history"),
        pytest.param(["diff", "--json"], id="diff"),
        pytest.param(["ask", "Combien valent 250 euros en yens ?", "--json"], id="ask"),
    ],
)
def test_cli_server_option_prints_the_same(server: Running, folder: Path, args: list[str]) -> None:
    local = run_process(*args, index=folder / "ix")
    remote = run_process("--server", server.url, *args, index=folder / "nowhere")
    assert remote.returncode == local.returncode == 0, remote.stderr
    assert json.loads(remote.stdout) == json.loads(local.stdout)
    assert not (folder / "nowhere").exists()


@pytest.mark.parametrize(
    ("args", "status", "output"),
    [
        pytest.param(["history", "\udcff"], 2, "no rate or stock index", id="history"),
        pytest.param(["query", "K\udcffoursk"], 1, "0 hits", id="query"),
        pytest.param(["query", "--snapshot", "\udcff", "x"], 2, "no snapshot", id="snapshot"),
        pytest.param(["ask", "prix du \udcff ?"], None, "", id="ask"),
    ],
)
def test_cli_server_takes_a_byte_the_terminal_could_not_decode(
    server: Running, folder: Path, args: list[str], status: int | None, output: str
) -> None:
    """Such a byte reaches an argument as a lone surrogate, which a URL cannot encode:
    sent as U+FFFD, the service answers as for any unknown word."""
    done = run_process("--server", server.url, *args, index=folder / "nowhere")
    assert done.returncode == status if status is not None else done.returncode in (0, 1)
    assert output in done.stdout + done.stderr
    assert "unexpected" not in done.stderr and "damaged" not in done.stderr


def test_search_server_environment(server: Running, folder: Path) -> None:
    env = {**os.environ, "SEARCH_SERVER": server.url, "SEARCH_INDEX": str(folder / "nowhere")}
    done = subprocess.run(
        [str(SEARCH_BIN), "query", "Koursk", "--snapshot", "nope"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2
    assert (
        done.stderr == "error: no snapshot 'nope' in the index; `search index status` lists them\n"
    )


def test_cli_with_no_server_there(folder: Path) -> None:
    port = free_port()
    done = run_process("--server", f"http://127.0.0.1:{port}", "query", "x", index=folder / "ix")
    assert done.returncode == 2
    assert done.stderr.startswith(
        f"error: cannot reach the search service at http://127.0.0.1:{port}"
    )
    assert len(done.stderr.splitlines()) == 1


# ------------------------------------------------------------------ safe by default


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["--host", "0.0.0.0"],
            "error: refusing to serve on 0.0.0.0, which is not a loopback address, without a "
            "token: add --token-file FILE (every request then needs it) or --public",
            id="non-loopback",
        ),
        pytest.param(
            ["--token-file", "/nonexistent/token"],
            "error: /nonexistent/token: cannot read the token file (No such file or directory)",
            id="no-token-file",
        ),
    ],
)
def test_serve_refuses(folder: Path, args: list[str], message: str) -> None:
    done = run_process("serve", "--port", str(free_port()), *args, index=folder / "ix")
    assert (done.returncode, done.stderr, done.stdout) == (2, message + "\n", "")


def test_web_refuses_a_non_loopback_address(folder: Path) -> None:
    done = run_process("web", "--host", "0.0.0.0", "--port", str(free_port()), index=folder / "ix")
    assert done.returncode == 2
    assert done.stderr.startswith("error: refusing to serve the UI on 0.0.0.0")
    assert len(done.stderr.splitlines()) == 1


def test_serve_on_a_taken_port(folder: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_process("serve", "--port", str(port), index=folder / "ix")
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}")
    assert len(done.stderr.splitlines()) == 1


def test_off_loopback_with_a_token_every_read_needs_it(folder: Path, tmp_path: Path) -> None:
    with running_server(folder / "ix", tmp_path, "--host", "0.0.0.0") as live:
        search = f"{live.url}{API}/search?q=Koursk"
        assert httpx.get(search).status_code == 401
        token = {"Authorization": f"Bearer {live.token}"}
        assert httpx.get(search, headers=token).status_code == 200
