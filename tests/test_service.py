"""The service in-process (httpx.ASGITransport, no socket): each route answers the CLI's
--json document, each error is a problem document with the CLI's message, auth, limits."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from index import IndexDir, build
from search.service import Settings, create_app
from tests.conftest import SAMPLE, SAMPLE_ID, Cli, make_page, write_series

TOKEN = "in-process-token"
PROBLEM = "application/problem+json"


class Api:
    """A synchronous face on an ASGI app called through httpx.ASGITransport."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)

    def __call__(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(call())

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self("GET", url, **kwargs)

    def post_page(self, snapshot_id: str, data: bytes, token: str | None = TOKEN) -> httpx.Response:
        headers = {"Content-Type": "text/plain"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self("POST", f"/api/v1/snapshots/{snapshot_id}", content=data, headers=headers)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("service")
    index_dir = IndexDir(folder / "ix")
    assert not build(index_dir, [SAMPLE, *write_series(folder / "pages")]).failed
    (folder / "token").write_text(TOKEN)
    return folder


@pytest.fixture(scope="module")
def api(built: Path) -> Api:
    """Read-only tests share this app."""
    return Api(Settings(index=built / "ix", token_file=built / "token", timeout=300))


@pytest.fixture
def writable(tmp_path: Path) -> Api:
    """An app on a fresh index of the sample, for tests that add pages."""
    index_dir = IndexDir(tmp_path / "ix")
    assert not build(index_dir, [SAMPLE]).failed
    (tmp_path / "token").write_text(TOKEN)
    return Api(Settings(index=index_dir.root, token_file=tmp_path / "token", timeout=300))


def _cli(built: Path, *args: str) -> Any:
    result = Cli(IndexDir(built / "ix"))(*args, "--json")
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("url", "command"),
    [
        pytest.param("/api/v1/search?q=Koursk", ["query", "Koursk"], id="search"),
        pytest.param(
            "/api/v1/search?q=gbp&kind=rate&limit=2&snapshot=latest",
            ["query", "gbp", "--kind", "rate", "--limit", "2", "--snapshot", "latest"],
            id="search-options",
        ),
        pytest.param("/api/v1/search?q=zzzzqqq", ["query", "zzzzqqq"], id="search-nothing"),
        pytest.param(
            "/api/v1/ask?q=Quel traité Moscou et Pyongyang ont-ils signé ?",
            ["ask", "Quel traité Moscou et Pyongyang ont-ils signé ?"],
            id="ask",
        ),
        pytest.param("/api/v1/history/GBP", ["history", "GBP"], id="history"),
        pytest.param("/api/v1/diff", ["diff"], id="diff"),
        pytest.param(
            "/api/v1/diff?old=daily-2026-11-22&new=daily-2026-11-24&top=3",
            ["diff", "daily-2026-11-22", "daily-2026-11-24", "--top", "3"],
            id="diff-named",
        ),
        pytest.param("/api/v1/status", ["index", "status"], id="status"),
    ],
)
def test_route_answers_the_cli_json(api: Api, built: Path, url: str, command: list[str]) -> None:
    response = api.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == _cli(built, *command)


def test_snapshots_are_the_status_snapshots(api: Api, built: Path) -> None:
    listed = api.get("/api/v1/snapshots").json()["snapshots"]
    assert listed == _cli(built, "index", "status")["snapshots"]
    assert [s["id"] for s in listed][-1] == SAMPLE_ID


def test_document_with_its_neighbours(api: Api) -> None:
    data = api.get(f"/api/v1/documents/{SAMPLE_ID}:p3", params={"highlight": "Koursk"}).json()
    document, previous, following = data["document"], data["previous"], data["next"]
    assert (document["paragraph"], previous["paragraph"], following["paragraph"]) == (3, 2, 4)
    assert any(document["text"][a:b] == "Koursk" for a, b in document["highlights"])
    first = api.get(f"/api/v1/documents/{SAMPLE_ID}:p1").json()
    assert first["previous"] is None and first["next"]["paragraph"] == 2
    rate = api.get(f"/api/v1/documents/{SAMPLE_ID}:rate:GBP").json()
    assert rate["document"]["kind"] == "rate" and rate["previous"] is None


@pytest.mark.parametrize(
    ("url", "status", "code", "command"),
    [
        pytest.param(
            "/api/v1/search?q=Koursk&snapshot=nope",
            404,
            "unknown-snapshot",
            ["query", "Koursk", "--snapshot", "nope"],
            id="unknown-snapshot",
        ),
        pytest.param(
            "/api/v1/ask?q=Koursk&snapshot=nope",
            404,
            "unknown-snapshot",
            ["ask", "Koursk", "--snapshot", "nope"],
            id="ask-unknown-snapshot",
        ),
        pytest.param(
            "/api/v1/history/XYZ", 404, "unknown-series", ["history", "XYZ"], id="unknown-series"
        ),
        pytest.param("/api/v1/ask?q=%20%20", 400, "empty-question", ["ask", "  "], id="empty"),
        pytest.param(
            "/api/v1/diff?old=nope", 404, "unknown-snapshot", ["diff", "nope"], id="diff-unknown"
        ),
    ],
)
def test_error_is_a_problem_with_the_cli_message(
    api: Api, built: Path, url: str, status: int, code: str, command: list[str]
) -> None:
    response = api.get(url)
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status and problem["code"] == code
    assert problem["type"] == f"urn:snapsearch:problem:{code}" and problem["title"]
    result = Cli(IndexDir(built / "ix"))(*command)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {problem['detail']}"


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        pytest.param(f"/api/v1/documents/{SAMPLE_ID}:p999", 404, "unknown-document", id="doc"),
        pytest.param("/api/v1/search", 400, "bad-query", id="no-q"),
        pytest.param("/api/v1/search?q=", 400, "bad-query", id="empty-q"),
        pytest.param("/api/v1/search?q=" + "a" * 1001, 400, "bad-query", id="q-too-long"),
        pytest.param("/api/v1/search?q=a&limit=1001", 400, "bad-query", id="limit-too-big"),
        pytest.param("/api/v1/search?q=a&limit=0", 400, "bad-query", id="limit-zero"),
        pytest.param("/api/v1/search?q=a&kind=weather", 400, "bad-query", id="bad-kind"),
        pytest.param("/api/v1/search?q=a&since=yesterday", 400, "bad-query", id="bad-since"),
        pytest.param("/api/v1/nowhere", 404, "not-found", id="no-route"),
        pytest.param("/docs", 404, "not-found", id="no-docs-page"),
        pytest.param("/redoc", 404, "not-found", id="no-redoc-page"),
        pytest.param("/api/v1/_seam/documents?path=/etc", 400, "bad-query", id="unknown-field"),
    ],
)
def test_service_errors(api: Api, url: str, status: int, code: str) -> None:
    response = api.get(url)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"]


def test_other_snapsearch_errors_are_400(writable: Api) -> None:
    problem = writable.get("/api/v1/diff").json()
    assert (problem["status"], problem["code"]) == (400, "bad-request")
    result = Cli(IndexDir(writable.settings.index))("diff")
    assert result.stderr.strip() == f"error: {problem['detail']}"


def test_limit_error_names_the_parameter(api: Api) -> None:
    detail = api.get("/api/v1/search?q=a&limit=5000").json()["detail"]
    assert detail == "limit: Input should be less than or equal to 1000"


def test_wrong_method_is_405(api: Api) -> None:
    response = api("DELETE", "/api/v1/search?q=a")
    assert (response.status_code, response.json()["code"]) == (405, "method-not-allowed")


def test_no_index_is_503(tmp_path: Path) -> None:
    missing = Api(Settings(index=tmp_path / "none"))
    response = missing.get("/api/v1/search?q=Koursk")
    assert (response.status_code, response.json()["code"]) == (503, "index-missing")
    assert str(tmp_path / "none") in response.json()["detail"]
    assert missing.get("/healthz").status_code == 200


def test_a_slow_request_is_503(api: Api) -> None:
    hurried = Api(replace(api.settings, timeout=1e-9))
    response = hurried.get("/api/v1/search?q=Koursk")
    assert (response.status_code, response.json()["code"]) == (503, "timeout")
    assert response.json()["detail"].startswith("the request took longer than")


def test_openapi_3_1_under_the_version(api: Api) -> None:
    spec = api.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert {"/api/v1/search", "/api/v1/ask", "/api/v1/status", "/healthz"} <= spec["paths"].keys()
    assert "cdn" not in json.dumps(spec).lower()


def test_metrics(api: Api) -> None:
    api.get("/api/v1/search?q=Koursk")
    text = api.get("/metrics").text
    assert 'snapsearch_requests_total{method="GET",route="/api/v1/search",status="200"}' in text
    assert 'snapsearch_request_seconds_bucket{le="+Inf"}' in text
    documents = api.get("/api/v1/status").json()["documents"]
    assert f"snapsearch_index_documents {documents}\n" in text
    assert "snapsearch_index_generation 1\n" in text


# --------------------------------------------------------------------------- writes

PAGE = make_page(headline="Nouveau pont", paragraphs=["Un pont neuf enjambe la Vltava."]).encode()


def test_post_a_page_indexes_it(writable: Api) -> None:
    response = writable.post_page("daily-2026-11-30", PAGE)
    assert response.status_code == 201
    assert response.json()["added"] == ["daily-2026-11-30"]
    stored = writable.settings.pages_dir / "daily-2026-11-30.txt"
    assert stored.read_bytes() == PAGE
    hits = writable.get("/api/v1/search?q=Vltava").json()["hits"]
    assert [h["snapshot"] for h in hits] == ["daily-2026-11-30"]
    again = writable.post_page("daily-2026-11-30", PAGE)
    assert again.status_code == 200 and again.json()["unchanged"] == ["daily-2026-11-30"]


def test_a_bad_page_is_422_and_nothing_is_kept(writable: Api, tmp_path: Path) -> None:
    before = writable.get("/api/v1/status").json()["documents"]
    response = writable.post_page("notes", b"just some notes\n")
    assert (response.status_code, response.json()["code"]) == (422, "bad-page")
    bad = tmp_path / "notes.txt"
    bad.write_bytes(b"just some notes\n")
    result = Cli(IndexDir(tmp_path / "ix2"))("index", "build", str(bad))
    cli_reason = result.stderr.splitlines()[0].split(": ", 2)[2]
    assert response.json()["detail"] == f"notes.txt: {cli_reason}"
    assert not (writable.settings.pages_dir / "notes.txt").exists()
    assert writable.get("/api/v1/status").json()["documents"] == before


@pytest.mark.parametrize(
    ("snapshot_id", "status"),
    [
        pytest.param("..", 404, id="dotdot"),
        pytest.param(".hidden", 400, id="leading-dot"),
        pytest.param("a..b", 400, id="inner-dotdot"),
        pytest.param("%2e%2e%2fescape", 404, id="encoded-slash"),
        pytest.param("a" * 121, 400, id="too-long"),
        pytest.param("sub/dir", 404, id="slash"),
    ],
)
def test_the_id_is_a_name_never_a_path(writable: Api, snapshot_id: str, status: int) -> None:
    response = writable.post_page(snapshot_id, PAGE)
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    assert not writable.settings.pages_dir.exists()
    assert not list(writable.settings.index.parent.rglob("*escape*"))


def test_writes_need_the_token(writable: Api) -> None:
    for token in (None, "wrong"):
        response = writable.post_page("daily-2026-11-30", PAGE, token=token)
        assert (response.status_code, response.json()["code"]) == (401, "unauthorized")
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert not writable.settings.pages_dir.exists()


def test_without_a_token_file_writes_are_refused(tmp_path: Path, built: Path) -> None:
    api = Api(Settings(index=built / "ix"))
    response = api.post_page("daily-2026-11-30", PAGE, token="anything")
    assert (response.status_code, response.json()["code"]) == (403, "writes-disabled")


def test_a_page_over_the_size_limit_is_413(writable: Api) -> None:
    small = Api(replace(writable.settings, max_body_bytes=len(PAGE) - 1))
    response = small.post_page("daily-2026-11-30", PAGE)
    assert (response.status_code, response.json()["code"]) == (413, "too-large")


def test_reads_can_need_the_token(built: Path) -> None:
    api = Api(Settings(index=built / "ix", token_file=built / "token", reads_need_token=True))
    assert api.get("/api/v1/search?q=Koursk").status_code == 401
    assert api.get("/metrics").status_code == 401
    authorised = {"Authorization": f"Bearer {TOKEN}"}
    assert api.get("/api/v1/search?q=Koursk", headers=authorised).status_code == 200
    assert api.get("/healthz").status_code == 200


def test_any_body_over_the_limit_is_413(api: Api) -> None:
    small = Api(replace(api.settings, max_body_bytes=1000))
    body = {"text": "mot " * 1000, "lang": "fr"}
    response = small("POST", "/api/v1/_seam/tokens", json=body)
    assert (response.status_code, response.json()["code"]) == (413, "too-large")

    async def chunks() -> Any:  # no Content-Length: counted as it streams
        yield b'{"text": "'
        yield b"x" * 5000
        yield b'"}'

    streamed = small("POST", "/api/v1/_seam/tokens", content=chunks())
    assert (streamed.status_code, streamed.json()["code"]) == (413, "too-large")


def test_the_service_stays_on_top_and_its_libraries_inside() -> None:
    """Nothing below the CLI imports the service; fastapi, uvicorn, httpx and textual-serve
    are imported only by it and by `search.engine._http` (httpx)."""
    from tests.test_layout import MODULES, _imports

    allowed = {
        "fastapi": "search.service",
        "starlette": "search.service",
        "uvicorn": "search.service",
        "textual_serve": "search.service",
        "httpx": ("search.service", "search.engine._http"),
    }
    for name, path in MODULES:
        for imported, _ in _imports(name, path):
            top = imported.split(".")[0]
            if top in allowed:
                assert name.startswith(allowed[top]), f"{name} imports {imported}"
            if imported.startswith("search.service"):
                assert name.startswith(("search.service", "search.cli")), f"{name} imports it"


def test_the_cli_starts_without_the_service_libraries() -> None:
    import subprocess
    import sys

    libraries = "('httpx', 'fastapi', 'uvicorn')"
    code = f"import sys, search.cli; print(sorted(m for m in {libraries} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
