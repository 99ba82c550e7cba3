"""A real `search serve` process on a free loopback port, for the service tests."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import SEARCH_BIN

TOKEN = "test-token-0123456789"


def free_port() -> int:
    """A port nobody listens on now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Running:
    """A served index: its URL, its token and the process."""

    url: str
    token: str
    process: subprocess.Popen[str]

    def post_page(self, path: Path, snapshot_id: str | None = None) -> httpx.Response:
        """POST the page at `path` as snapshot `snapshot_id` (default: its stem)."""
        return httpx.post(
            f"{self.url}/api/v1/snapshots/{snapshot_id or path.stem}",
            content=path.read_bytes(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "text/plain"},
            timeout=60,
        )


@contextmanager
def running_server(
    index: Path | None,
    folder: Path,
    *args: str,
    wait: float = 30,
    group: Sequence[str] = (),
    port: int | None = None,
) -> Iterator[Running]:
    """`search --index INDEX serve` (or `search GROUP… serve`, e.g. `--backend URL`) on
    `port` or a free loopback port, polled until /healthz answers, terminated at the end."""
    token_file = folder / "token"
    token_file.write_text(TOKEN + "\n", "utf-8")
    token_file.chmod(0o600)
    port = port or free_port()
    where = list(group) if index is None else ["--index", str(index)]
    command = [str(SEARCH_BIN), *where, "serve", "--port", str(port)]
    command += ["--token-file", str(token_file), *args]
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("SEARCH_SERVER", None)
    log = open(folder / f"serve-{port}.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, wait, folder / f"serve-{port}.log")
        yield Running(url, TOKEN, process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_healthy(url: str, process: subprocess.Popen[str], wait: float, log: Path) -> None:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"search serve exited {process.returncode}: {log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"search serve did not answer within {wait} s: {log.read_text()}")
