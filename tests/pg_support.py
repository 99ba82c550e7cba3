"""A throwaway PostgreSQL cluster for the tests, started once per session.

The binaries come from `pg_config --bindir`, else /usr/lib/postgresql/*/bin (Debian's
`postgresql` package, which `.ci/run` installs). initdb runs into a temporary folder as an
unprivileged user (PostgreSQL refuses to run as root: as root, a system user
`snapsearch-pg` is created for it), the server listens on a free loopback port with its
socket in that folder, and is stopped at the end of the session. The schema is loaded
once into a template database; each test gets a fresh database cloned from it.

Without the binaries the PostgreSQL tests are skipped, except in CI (`CI=true`), where a
skipped test of a real component is a failure.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

__all__ = [
    "PgCluster",
    "find_pg_bindir",
    "pg_cluster",
    "pg_url",
    "start_cluster",
    "start_replica",
]

PG_USER = "snapsearch-pg"  # the OS user that owns and runs the cluster when we are root
SUPERUSER = "snapsearch"
TEMPLATE = "snapsearch_template"
_START_TIMEOUT = 30.0


def find_pg_bindir() -> Path | None:
    """The folder of initdb and postgres, or None when PostgreSQL is not installed."""
    candidates: list[Path] = []
    if pg_config := shutil.which("pg_config"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
            candidates.append(Path(out.stdout.strip()))
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version, reverse=True)
    candidates += versions
    return next(
        (c for c in candidates if (c / "initdb").exists() and (c / "postgres").exists()), None
    )


def _version(path: Path) -> float:
    try:
        return float(path.parent.name)
    except ValueError:
        return 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run_as() -> str | None:
    """The user to run the server as: ourselves, or PG_USER (created) when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER],
            check=True,
            capture_output=True,
        )
    return PG_USER


@dataclass
class PgCluster:
    """One running server: its folder, port and process."""

    bindir: Path
    folder: Path
    port: int
    process: subprocess.Popen[bytes]
    user: str | None
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def new_database(self, template: str = TEMPLATE) -> str:
        """A fresh database cloned from `template`; its URL."""
        import psycopg

        name = f"test_{os.getpid()}_{next(self._numbers)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'.encode())
        return self.url(name)

    def drop_database(self, url: str) -> None:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(2)  # SIGINT: a fast shutdown
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def _new_folder(user: str | None) -> Path:
    """A temporary folder with a `sock` folder in it, owned by `user`."""
    folder = Path(tempfile.mkdtemp(prefix="snapsearch-pg-"))
    (folder / "sock").mkdir()
    if user is not None:
        info = pwd.getpwnam(user)
        for path in (folder, folder / "sock"):
            os.chown(path, info.pw_uid, info.pw_gid)
    return folder


def start_cluster(bindir: Path, *extra: str) -> PgCluster:
    """initdb into a new temporary folder and start a server on a free loopback port."""
    user = _run_as()
    folder = _new_folder(user)
    data = folder / "data"
    subprocess.run(
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
        user=user,
        cwd=folder,
    )
    return _start(bindir, folder, user, *extra)


def start_replica(primary: PgCluster) -> PgCluster:
    """A streaming replica of `primary` (pg_basebackup -R), on a free port of its own."""
    folder = _new_folder(primary.user)
    subprocess.run(
        [
            str(primary.bindir / "pg_basebackup"),
            "-D",
            str(folder / "data"),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            SUPERUSER,
            "-R",
            "-X",
            "stream",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
        user=primary.user,
        cwd=folder,
    )
    return _start(primary.bindir, folder, primary.user, "-c", "hot_standby=on")


def _start(bindir: Path, folder: Path, user: str | None, *extra: str) -> PgCluster:
    data, sockets = folder / "data", folder / "sock"
    port = _free_port()
    log = open(folder / "server.log", "wb")  # noqa: SIM115 - kept open for the server
    process = subprocess.Popen(
        [
            str(bindir / "postgres"),
            "-D",
            str(data),
            "-p",
            str(port),
            "-k",
            str(sockets),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "synchronous_commit=off",
            *extra,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        user=user,
        cwd=folder,
    )
    log.close()
    cluster = PgCluster(bindir, folder, port, process, user)
    atexit.register(cluster.stop)  # should a fixture's teardown never run
    _wait_ready(cluster)
    return cluster


def _wait_ready(cluster: PgCluster) -> None:
    import psycopg

    deadline = time.monotonic() + _START_TIMEOUT
    while True:
        try:
            psycopg.connect(cluster.url(), connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if cluster.process.poll() is not None or time.monotonic() > deadline:
                log = (cluster.folder / "server.log").read_text(errors="replace")
                cluster.stop()
                raise RuntimeError(f"PostgreSQL did not start:\n{log}") from None
            time.sleep(0.05)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """The session's PostgreSQL server, with the schema loaded into a template database."""
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (pip install '.[postgresql]')")
        raise
    bindir = find_pg_bindir()
    if bindir is None:
        _unavailable("no PostgreSQL server binaries (apt-get install postgresql)")
        raise AssertionError("unreachable")
    cluster = start_cluster(bindir)
    try:
        from index.postgres import migrate

        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{TEMPLATE}"'.encode())
        with psycopg.connect(cluster.url(TEMPLATE)) as conn, conn.transaction():
            migrate(conn)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> Iterator[str]:
    """The URL of a fresh database holding the empty snapsearch schema."""
    url = pg_cluster.new_database()
    yield url
    pg_cluster.drop_database(url)
