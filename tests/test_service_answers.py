"""Kept search answers and the pool of engines: an answer is sent again only for the
commit it was read from, with the guards and metrics of any request."""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path

import pytest

from index import IndexDir, build
from search.service import Settings, create_app
from search.service._answers import Answers, encode
from search.service._warm import Warm
from tests.conftest import SAMPLE, make_page
from tests.test_service import TOKEN, Api

SEARCH = "/api/v1/search?q=Vltava"


def _page(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.txt"
    path.write_text(make_page(headline="Nouveau pont", paragraphs=[text]), "utf-8")
    return path


@pytest.fixture
def index(tmp_path: Path) -> IndexDir:
    index_dir = IndexDir(tmp_path / "ix")
    assert not build(index_dir, [SAMPLE]).failed
    (tmp_path / "token").write_text(TOKEN)
    return index_dir


@pytest.fixture
def api(index: IndexDir) -> Api:
    return Api(Settings(index=index.root, token_file=index.root.parent / "token", timeout=300))


def test_a_repeated_search_is_answered_from_memory_with_the_same_bytes(api: Api) -> None:
    answers: Answers = api.app.state.answers
    first = api.get("/api/v1/search?q=Koursk&limit=3")
    assert first.status_code == 200 and first.json()["hits"]
    commit = answers.commit()
    assert answers.get(commit, b"q=Koursk&limit=3") == first.content
    # The engines are closed: only memory can answer now.
    api.app.state.warm.close()
    api.app.state.warm._open = lambda: pytest.fail("the searcher was asked")
    again = api.get("/api/v1/search?q=Koursk&limit=3")
    assert (again.status_code, again.content) == (200, first.content)
    assert again.headers["content-type"] == first.headers["content-type"] == "application/json"
    assert again.headers["content-length"] == str(len(first.content))


def test_a_build_from_another_process_is_seen_by_the_next_search(
    api: Api, index: IndexDir, tmp_path: Path
) -> None:
    assert api.get(SEARCH).json()["total"] == 0
    assert api.get(SEARCH).json()["total"] == 0  # now kept
    page = _page(tmp_path / "pages", "daily-2026-11-30", "Un pont neuf enjambe la Vltava.")
    assert build(index, [page]).added == ["daily-2026-11-30"]
    hits = api.get(SEARCH).json()["hits"]
    assert [h["snapshot"] for h in hits] == ["daily-2026-11-30"]


def test_an_upload_is_seen_by_the_next_search(api: Api) -> None:
    assert api.get(SEARCH).json()["total"] == 0
    page = make_page(headline="Pont", paragraphs=["Un pont neuf enjambe la Vltava."]).encode()
    assert api.post_page("daily-2026-11-30", page).status_code == 201
    assert api.get(SEARCH).json()["total"] == 1


def test_an_index_deleted_and_built_again_is_a_new_commit(
    api: Api, index: IndexDir, tmp_path: Path
) -> None:
    answers: Answers = api.app.state.answers
    assert api.get(SEARCH).json()["total"] == 0
    before = answers.commit()
    api.app.state.warm.close()
    shutil.rmtree(index.root)
    page = _page(tmp_path / "pages", "daily-2026-11-30", "Un pont neuf enjambe la Vltava.")
    assert build(index, [SAMPLE, page]).added
    assert answers.commit() != before
    assert api.get(SEARCH).json()["total"] == 1


def test_errors_are_not_kept(api: Api) -> None:
    for _ in range(2):
        response = api.get("/api/v1/search?q=")
        assert (response.status_code, response.json()["code"]) == (400, "bad-query")
        missing = api.get("/api/v1/search?q=Koursk&snapshot=nope")
        assert (missing.status_code, missing.json()["code"]) == (404, "unknown-snapshot")


def test_kept_answers_still_need_the_token_when_reads_do(index: IndexDir) -> None:
    settings = Settings(
        index=index.root, token_file=index.root.parent / "token", reads_need_token=True
    )
    api = Api(settings)
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert api.get("/api/v1/search?q=Koursk", headers=bearer).status_code == 200
    assert api.get("/api/v1/search?q=Koursk", headers=bearer).status_code == 200
    response = api.get("/api/v1/search?q=Koursk")
    assert (response.status_code, response.json()["code"]) == (401, "unauthorized")


def test_answers_from_memory_are_counted_in_the_metrics(api: Api) -> None:
    for _ in range(3):
        assert api.get("/api/v1/search?q=Koursk").status_code == 200
    text = api.get("/metrics").text
    assert 'snapsearch_requests_total{method="GET",route="/api/v1/search",status="200"} 3' in text


def test_answers_follow_the_live_commit_only(index: IndexDir) -> None:
    answers = Answers(index, entries=2, size=1 << 20)
    commit = answers.commit()
    assert commit is not None
    assert answers.get(commit, b"a") is None
    answers.put(commit, b"a", b"A")
    answers.put(commit, b"b", b"B")
    assert answers.get(commit, b"a") == b"A"
    answers.put(commit, b"c", b"C")  # over 2 entries: b, the least recently used, goes
    assert [answers.get(commit, k) for k in (b"a", b"b", b"c")] == [b"A", None, b"C"]
    assert answers.get(("another commit",), b"a") is None  # a new commit forgets all
    answers.put(commit, b"a", b"A")  # read at the older commit: not kept
    assert answers.get(("another commit",), b"a") is None
    assert answers.get(commit, b"a") is None


def test_answers_keep_nothing_without_a_commit(tmp_path: Path) -> None:
    for answers in (Answers(None), Answers(IndexDir(tmp_path / "none"))):
        assert answers.commit() is None
        answers.put(None, b"q", b"{}")
        assert answers.get(None, b"q") is None


def test_answers_stay_within_their_size(index: IndexDir) -> None:
    answers = Answers(index, size=1600)
    commit = answers.commit()
    assert answers.get(commit, b"big") is None  # a search starts by looking
    answers.put(commit, b"big", b"x" * 101)  # over a sixteenth: never kept
    for n in range(20):
        answers.put(commit, str(n).encode(), b"x" * 100)
    kept = [n for n in range(20) if answers.get(commit, str(n).encode())]
    assert kept == list(range(4, 20)) and answers.get(commit, b"big") is None


def test_encode_is_what_jsonresponse_sends() -> None:
    assert encode({"q": "Vltava", "n": [1, 2.5, None]}) == b'{"q":"Vltava","n":[1,2.5,null]}'


def test_engines_serve_requests_side_by_side(index: IndexDir) -> None:
    opened: list[object] = []

    def opener() -> object:
        from search.engine import WhooshEngine

        engine = WhooshEngine(index)
        opened.append(engine)
        return engine

    warm = Warm(index, 30, opener, engines=2)  # type: ignore[arg-type]
    both = threading.Barrier(2, timeout=10)
    used: list[object] = []

    def work(engine: object) -> None:
        used.append(engine)
        both.wait()  # only returns when the two requests run at the same time

    threads = [threading.Thread(target=warm.run, args=(work,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not both.broken and len(opened) == 2 and used[0] is not used[1]
    # The next request takes a warm engine, not a third one.
    warm.run(lambda engine: None)
    assert len(opened) == 2
    warm.close()


def test_one_engine_serves_one_request_at_a_time(index: IndexDir) -> None:
    from search.engine import WhooshEngine

    warm = Warm(index, 30, lambda: WhooshEngine(index), engines=1)
    inside = threading.Semaphore(0)
    running = [0, 0]  # now, most at once

    def work(engine: object) -> None:
        running[0] += 1
        running[1] = max(running)
        inside.acquire(timeout=0.2)
        running[0] -= 1

    threads = [threading.Thread(target=warm.run, args=(work,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert running[1] == 1
    warm.close()


def test_a_worker_opens_and_prepares_its_engines_before_its_first_request(
    index: IndexDir,
) -> None:
    """At startup, not at the first requests (~200 ms at 1,000 pages): every engine is
    open, its scoring columns and words read."""
    app = create_app(Settings(index=index.root))

    async def started() -> list[object]:
        async with app.router.lifespan_context(app):
            return [slot.engine for slot in app.state.warm._slots]

    engines = asyncio.run(started())
    assert len(engines) == Settings.engines >= 2 and all(engines)
    kept = engines[0]._arrays._kept  # type: ignore[attr-defined]
    assert {"plain", "start", "fr", "en"} <= set(kept.words) and kept.days is not None


def test_a_worker_starts_without_an_index_and_requests_report_it(tmp_path: Path) -> None:
    api = Api(Settings(index=tmp_path / "none"))

    async def started() -> None:
        async with api.app.router.lifespan_context(api.app):
            pass

    asyncio.run(started())  # the index may come later: the worker starts all the same
    problem = api.get(SEARCH)
    assert problem.status_code == 503 and "none" in problem.json()["detail"]
