"""Prometheus-style metrics of one worker: requests, latency, index generation, documents."""

from __future__ import annotations

import bisect
import threading
import time
from collections import Counter
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Metrics"]

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Counts and latencies of the requests one worker answered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[tuple[str, str, int]] = Counter()
        self.buckets = [0] * (len(BUCKETS) + 1)
        self.latency_sum = 0.0
        self.latency_count = 0

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(method, route, status)] += 1
            self.buckets[bisect.bisect_left(BUCKETS, seconds)] += 1
            self.latency_sum += seconds
            self.latency_count += 1

    def render(self, generation: int, documents: int) -> str:
        """The text exposition format (version 0.0.4)."""
        lines = [
            "# HELP snapsearch_requests_total Requests answered, by method, route and status.",
            "# TYPE snapsearch_requests_total counter",
        ]
        with self._lock:
            for (method, route, status), count in sorted(self.requests.items()):
                labels = f'method="{method}",route="{_escape(route)}",status="{status}"'
                lines.append(f"snapsearch_requests_total{{{labels}}} {count}")
            lines += [
                "# HELP snapsearch_request_seconds Time to answer a request.",
                "# TYPE snapsearch_request_seconds histogram",
            ]
            total = 0
            for bound, count in zip((*BUCKETS, "+Inf"), self.buckets, strict=True):
                total += count
                lines.append(f'snapsearch_request_seconds_bucket{{le="{bound}"}} {total}')
            lines.append(f"snapsearch_request_seconds_sum {self.latency_sum:.6f}")
            lines.append(f"snapsearch_request_seconds_count {self.latency_count}")
        lines += [
            "# HELP snapsearch_index_generation The live index generation (folder number).",
            "# TYPE snapsearch_index_generation gauge",
            f"snapsearch_index_generation {generation}",
            "# HELP snapsearch_index_documents Documents in the index.",
            "# TYPE snapsearch_index_documents gauge",
            f"snapsearch_index_documents {documents}",
        ]
        return "\n".join(lines) + "\n"

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """`app` with every HTTP request counted and timed, by its route template."""

        async def measured(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            start, status = time.perf_counter(), [500]

            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status[0] = message["status"]
                await send(message)

            try:
                await app(scope, receive, sending)
            finally:
                route: Any = scope.get("route")
                path = getattr(route, "path", None) or "unmatched"
                # Routes of an included router carry their path below its prefix.
                prefix = "/api/v1"
                if scope["path"].startswith(prefix + "/") and not path.startswith(prefix):
                    path = prefix + path
                self.observe(scope["method"], path, status[0], time.perf_counter() - start)

        return measured


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
