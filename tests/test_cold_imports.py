"""A cold `search` pays only for what it uses: which modules a command loads, never timings.

`import search.cli` loads neither the `index` package nor Whoosh; a local `search query`
loads them, and nothing for other commands (Babel, langdetect, Textual, httpx, rich's
console when stdout is not a terminal); `search --server URL query` loads h11, no Whoosh,
no http.client and no ssl. Each command runs in a fresh interpreter, which prints the
modules it ended with.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index import IndexDir
from search import _render
from search.engine import Hit
from tests.conftest import SAMPLE_ID, SEARCH_BIN

# Modules (and packages) no command below needs; each is named with why it is heavy.
ELSEWHERE = {
    "asyncio": "Textual and the service",
    "babel": "questions (`search ask`) and builds",
    "langdetect": "builds",
    "watchfiles": "`search index watch`",
    "textual": "`search tui`",
    "tui": "`search tui`",
    "fastapi": "`search serve`",
    "uvicorn": "`search serve`",
    "psycopg": "--backend",
    "pygments": "syntax highlighting",
    "httpx": "nothing: `HttpBackend` speaks HTTP with h11",
    "http.client": "nothing: `HttpBackend` speaks HTTP with h11 (http.client brings email)",
    "email": "nothing (http.client, email.parser: ~8 ms)",
    "ssl": "https:// services only (~8 ms)",
    "numpy": "array scoring, in long-lived engines (the TUI, the service)",
    "search.ask": "`search ask`",
    "search.timeline": "`search history` and `search diff`",
    "search.service": "`search serve` and `search web`",
}
WHOOSH = {"index": "the index folder", "whoosh": "the index folder"}
HTTP = {
    "h11": "--server",
    "urllib.request": "--server (Whoosh's own import of it is stood in for)",
}
RICH = {
    "rich.console": "styled output on a terminal",
    "rich.cells": "cell widths, for a hit of over 4,998 characters on a pipe",
}

# Runs `search ARGS…` in this interpreter, then prints (to stderr, last) the modules of
# ELSEWHERE | WHOOSH | HTTP | RICH it ended with, and the exit code.
PROBE = """
import sys
names = set(sys.argv[1].split(","))
code = None
if sys.argv[2:]:
    from search.cli import main
    sys.argv = ["search", *sys.argv[2:]]
    try:
        main()
    except SystemExit as exc:
        code = exc.code
else:
    import search.cli
loaded = sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in sys.modules))
sys.stdout.flush()
print(repr((loaded, code)), file=sys.stderr)
"""


def probe(*args: str, env: dict[str, str] | None = None) -> tuple[list[str], int | None, str]:
    """The modules a fresh interpreter ended with after `search ARGS…` (after `import
    search.cli` alone without ARGS), its exit code, and what it wrote to stdout."""
    names = ",".join({**ELSEWHERE, **WHOOSH, **HTTP, **RICH})
    done = subprocess.run(
        [sys.executable, "-c", PROBE, names, *args],
        capture_output=True,
        text=True,
        env=_quiet_env(env or {}),
        timeout=120,
        check=False,
    )
    assert done.stderr, done
    loaded, code = ast.literal_eval(done.stderr.splitlines()[-1])
    return loaded, code, done.stdout


def _quiet_env(extra: dict[str, str]) -> dict[str, str]:
    """This environment less anything that makes rich style a pipe, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    return {**env, **extra}


def test_importing_the_cli_loads_no_index_no_whoosh_and_nothing_heavy() -> None:
    loaded, _, _ = probe()
    assert loaded == []


def test_a_local_query_loads_the_index_and_nothing_else_heavy(sample_index: IndexDir) -> None:
    loaded, code, out = probe("query", "Koursk", env={"SEARCH_INDEX": str(sample_index.root)})
    assert code == 0 and out.startswith(SAMPLE_ID), out
    assert loaded == sorted(WHOOSH), "beyond the index and Whoosh: " + ", ".join(
        f"{name} (for {ELSEWHERE.get(name) or HTTP.get(name) or RICH[name]})"
        for name in loaded
        if name not in WHOOSH
    )


@pytest.mark.parametrize("form", [(), ("--json",), ("--count",), ("--format", "ndjson")])
def test_every_output_of_a_local_query_skips_rich_when_piped(
    sample_index: IndexDir, form: Sequence[str]
) -> None:
    env = {"SEARCH_INDEX": str(sample_index.root)}
    loaded, code, _ = probe("query", "Koursk", *form, env=env)
    assert code == 0 and "rich.console" not in loaded


def test_color_always_still_styles_through_rich(sample_index: IndexDir) -> None:
    env = {"SEARCH_INDEX": str(sample_index.root), "TERM": "xterm-256color"}
    loaded, code, out = probe("--color", "always", "query", "Koursk", env=env)
    assert code == 0 and "rich.console" in loaded and "\x1b[" in out


# ---------------------------------------------------------------------------- --server


@contextlib.contextmanager
def stub_service(hits: Sequence[Hit], tls: ssl.SSLContext | None = None) -> Iterator[str]:
    """A stand-in for `search serve` on a loopback port: /api/v1/search answers `hits`;
    over TLS with `tls`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            if not self.path.startswith("/api/v1/search?"):
                self.send_error(404)
                return
            body = {"query": "Koursk", "total": len(hits), "fuzzy": False}
            data = json.dumps({**body, "hits": [h.to_json() for h in hits]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _hit(
    text: str,
    spans: Sequence[tuple[int, int]] = (),
    dates: Sequence[str] = (),
    snapshot: str = SAMPLE_ID,
) -> Hit:
    return Hit(
        id=f"{snapshot}:p3",
        kind="paragraph",
        snapshot=snapshot,
        date="2026-11-24",
        paragraph=3,
        code=None,
        name=None,
        lang="fr",
        score=1.0,
        text=text,
        highlights=tuple(spans),
        dates=tuple(dates),
    )


def test_a_query_over_a_server_loads_h11_and_no_whoosh(tmp_path: Path) -> None:
    hit = _hit("déployés dans la région de Koursk", [(27, 33)])
    with stub_service([hit]) as url:
        # An index folder that does not exist: a client must not build the sample there.
        env = {"SEARCH_INDEX": str(tmp_path / "none")}
        loaded, code, out = probe("--server", url, "query", "Koursk", env=env)
    assert code == 0, out
    assert out.splitlines()[0] == f"{SAMPLE_ID}  2026-11-24  ¶3"
    assert "région de Koursk" in out.splitlines()[1]
    assert not (tmp_path / "none").exists()
    assert "h11" in loaded and set(loaded) <= HTTP.keys(), loaded


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "localhost:8750",
            "error: the search service URL 'localhost:8750' is not http://host:port",
        ),
        ("ftp://127.0.0.1", "error: the search service URL 'ftp://127.0.0.1' is not http://host"),
        ("http://127.0.0.1:99999", "error: the search service URL 'http://127.0.0.1:99999' has a"),
        ("http://", "error: the search service URL 'http://' is not http://host:port"),
        ("http://127.0.0.1:1", "error: cannot reach the search service at http://127.0.0.1:1"),
    ],
)
def test_a_server_it_cannot_use_is_one_error_line_and_exit_2(
    tmp_path: Path, url: str, message: str
) -> None:
    env = {**_quiet_env({}), "SEARCH_INDEX": str(tmp_path / "none")}
    done = subprocess.run(
        [str(SEARCH_BIN), "--server", url, "query", "x"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(message) and done.stderr.count("\n") == 1, done.stderr
    assert not (tmp_path / "none").exists()


@pytest.fixture
def certificate(tmp_path: Path) -> Path:
    """A self-signed certificate for 127.0.0.1, with its key, in one PEM file."""
    pem = tmp_path / "service.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        + ["-keyout", str(pem), "-out", str(pem)],
        capture_output=True,
        check=True,
    )
    return pem


def test_https_verifies_the_certificate(tmp_path: Path, certificate: Path) -> None:
    """An https:// service is refused unless its certificate is trusted (here through
    SSL_CERT_FILE, which the system's CA store honours)."""
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(certificate)
    hit = _hit("déployés dans la région de Koursk", [(27, 33)])
    env = {**_quiet_env({}), "SEARCH_INDEX": str(tmp_path / "none")}
    env.pop("SSL_CERT_FILE", None)
    with stub_service([hit], tls) as url:
        command = [str(SEARCH_BIN), "--server", url, "query", "Koursk"]
        untrusted = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
        env["SSL_CERT_FILE"] = str(certificate)
        trusted = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert untrusted.returncode == 2 and untrusted.stdout == ""
    assert untrusted.stderr.startswith(f"error: cannot reach the search service at {url}: ")
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr
    assert untrusted.stderr.count("\n") == 1
    assert trusted.returncode == 0, trusted.stderr
    assert "région de Koursk" in trusted.stdout


def test_an_unreachable_server_loads_no_whoosh(tmp_path: Path) -> None:
    env = {"SEARCH_INDEX": str(tmp_path / "none")}
    loaded, code, _ = probe("--server", "http://127.0.0.1:1", "query", "x", env=env)
    assert code == 2
    assert "whoosh" not in loaded


# ------------------------------------------------------------------ plain output


def test_the_sort_orders_are_the_whoosh_engines() -> None:
    """The CLI takes `--sort` choices from `search.engine.SORTS` without loading Whoosh."""
    from search.engine import SORTS
    from search.engine._whoosh import SORTS as WHOOSH_SORTS

    assert SORTS == WHOOSH_SORTS


# Characters whose width or handling differs: wide, combining, joiners, emoji with a
# variation selector, controls (escaped by `visible`), bidirectional overrides.
TRICKY = "aé中ｱ👍\u0301\u0300\u200b\u200d\ufe0f\x1b\n\t\r\x07\x00\u202e\u2028 "


@st.composite
def hits(draw: st.DrawFn) -> Hit:
    text = draw(st.text(alphabet=st.sampled_from([*TRICKY, *"abc de"]), max_size=400))
    bounds = sorted(draw(st.lists(st.integers(0, len(text)), max_size=12)))
    spans = list(zip(bounds[::2], bounds[1::2], strict=False))
    if draw(st.booleans()) and len(text) > 2:
        spans.append((0, 2))  # out of order: printed as the rich path prints it
    dates = draw(st.lists(st.sampled_from(["2026-11-24", "2026-11-2\x1b5", "x\ny"]), max_size=3))
    return _hit(text, spans, dates)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hits(), min_size=1, max_size=3), st.booleans())
def test_plain_hits_are_what_rich_prints_to_a_pipe(found: list[Hit], no_color: bool) -> None:
    """Without a terminal, `search query` prints hits without rich's console: the very
    bytes rich prints there, but for the spaces rich pads each line with to the pipe's
    width (10,000)."""
    styled, plain = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ), mock.patch.object(_render, "color", "auto"):
        for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR"):
            os.environ.pop(name, None)
        if no_color:
            os.environ["NO_COLOR"] = "1"
        with contextlib.redirect_stdout(styled):
            _render._print_hits(found)
        with contextlib.redirect_stdout(plain):
            assert _render._print_hits_plain(found)
    unpadded = "".join(line.rstrip(" ") + "\n" for line in styled.getvalue().splitlines())
    assert plain.getvalue() == unpadded
    assert all(len(line) < 10_000 or not line.endswith(" ") for line in plain.getvalue())


@pytest.mark.parametrize(
    "hit",
    [
        _hit("x", snapshot="s" * 10_000 + "  "),  # rich strips the trailing spaces
        _hit("\u200b" * 9_997 + "  "),  # more characters than cells: rich strips spaces
        _hit("中" * 5_000),  # wider than the pipe: rich crops it
    ],
)
def test_lines_rich_would_change_are_left_to_rich(
    hit: Hit, capsys: pytest.CaptureFixture[str]
) -> None:
    with mock.patch("search._render.snippet", lambda text, spans: (text, tuple(spans))):
        assert not _render._print_hits_plain([hit])
    assert capsys.readouterr().out == ""
