"""Fuzz the service's OpenAPI spec with schemathesis: no 500, every response as documented.

Bounded: a few examples per operation, derandomized, so it runs the same in CI each time.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from index import IndexDir, build
from search.service import Settings, create_app
from tests.conftest import SAMPLE, write_series

EXAMPLES = 25


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> schemathesis.BaseSchema:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    assert not build(IndexDir(folder / "ix"), [SAMPLE, *write_series(folder / "pages")]).failed
    (folder / "token").write_text("fuzz-token")
    app = create_app(Settings(index=folder / "ix", token_file=folder / "token", timeout=60))
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


def _operations() -> list[str]:
    app = create_app(Settings(index=Path("/nonexistent")))
    spec = app.openapi()
    # /ask is left out: an answer takes seconds (question analysis, passages), and its
    # parameters are those of /search; tests/test_service*.py call it.
    return [
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if path != "/api/v1/ask"
    ]


@pytest.mark.parametrize("operation", _operations())
def test_no_server_error_and_responses_match_the_spec(
    spec: schemathesis.BaseSchema, operation: str
) -> None:
    method, path = operation.split(" ", 1)
    strategy = spec[path][method].as_strategy()

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(
            headers={"Authorization": "Bearer fuzz-token"}, excluded_checks=excluded
        )

    # A page that fits the schema (text) may still not be a snapshot page: 422 is right.
    upload = path.startswith("/api/v1/snapshots/")
    excluded = [schemathesis.checks.positive_data_acceptance] if upload else []

    check()
