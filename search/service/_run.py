"""Starting the service (`search serve`) and the browser UI (`search web`) after the checks
that keep them safe by default: loopback, or a token, or an explicit --public."""

from __future__ import annotations

import ipaddress
import os
import shlex
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from index import SnapsearchError

from ._settings import ENVIRONMENT, Settings

__all__ = ["bind_policy", "serve", "web"]


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine only (`localhost`, 127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_policy(host: str, public: bool, token_file: Path | None) -> bool:
    """Whether reads need the token too; raise when binding `host` would be unsafe."""
    if token_file is not None:
        try:
            if not token_file.read_text("utf-8").strip():
                raise SnapsearchError(f"{token_file}: the token file is empty")
        except OSError as exc:
            raise SnapsearchError(
                f"{token_file}: cannot read the token file ({exc.strerror})"
            ) from None
    if is_loopback(host) or public:
        return False
    if token_file is None:
        raise SnapsearchError(
            f"refusing to serve on {host}, which is not a loopback address, without a token: "
            "add --token-file FILE (every request then needs it) or --public"
        )
    return True


def _check_port(host: str, port: int) -> None:
    """A clear error now rather than a uvicorn traceback when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            raise SnapsearchError(
                f"cannot listen on {host}:{port} ({exc.strerror}); pick another --port"
            ) from None


def serve(
    settings: Settings,
    host: str,
    port: int,
    workers: int,
    *,
    announce: Callable[[], None] = lambda: None,
) -> None:
    """Run the service until interrupted; each worker builds the app from `settings`."""
    import uvicorn

    _check_port(host, port)
    announce()
    os.environ[ENVIRONMENT] = settings.to_environment()
    uvicorn.run(
        "search.service:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        timeout_keep_alive=5,
        limit_concurrency=256,
        h11_max_incomplete_event_size=64 * 1024,  # bounds request line and headers
    )


def web(
    host: str,
    port: int,
    arguments: list[str],
    *,
    public: bool = False,
    announce: Callable[[], None] = lambda: None,
) -> None:
    """Serve the TUI to browsers: each connection runs `search <arguments> tui`."""
    from textual_serve.server import Server

    if not (is_loopback(host) or public):
        raise SnapsearchError(
            f"refusing to serve the UI on {host}, which is not a loopback address: anyone "
            "who reaches it can search and re-index; add --public if that is meant"
        )
    _check_port(host, port)
    announce()
    code = "from search.cli import main; main()"
    command = shlex.join([sys.executable, "-c", code, *arguments, "tui"])
    Server(command, host=host, port=port, title="snapsearch").serve()
