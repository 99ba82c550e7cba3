"""The seam's `text_hit` and `vectors`, over every backend of tests/test_backend_contract.py
(its fixtures, reused): a text by its digest, and the index's stored text vectors."""

from __future__ import annotations

import pytest

from index.documents import digest
from search.engine import Backend
from tests import test_backend_contract as contract
from tests.conftest import SAMPLE_ID, SERIES_PARAGRAPHS
from tests.test_backend_contract import DAYS

# The contract's fixtures, one backend each over the same pages.
whoosh_backend = contract.whoosh_backend
http_backend = contract.http_backend
postgres_backend = contract.postgres_backend
served = contract.served


@pytest.fixture
def seam(served: contract.Served) -> Backend:
    return served.backend


def test_text_hit_is_the_newest_occurrence_of_a_text(seam: Backend) -> None:
    unions = digest(SERIES_PARAGRAPHS[2])  # days 1 and 2 only
    hit = seam.text_hit("paragraph", unions)
    assert hit is not None and hit.snapshot == DAYS[1] and hit.text == SERIES_PARAGRAPHS[2]
    assert hit.kind == "paragraph" and hit.paragraph == 3
    within = seam.text_hit("paragraph", unions, snapshot=DAYS[0])
    assert within is not None and within.snapshot == DAYS[0] and within.id == f"{DAYS[0]}:p3"
    assert seam.text_hit("paragraph", unions, snapshot=DAYS[2]) is None
    assert seam.text_hit("paragraph", "0" * 40) is None
    assert seam.text_hit("sentence", unions) is None  # not a document kind


def test_text_hit_finds_titles(seam: Backend) -> None:
    (title,) = seam.newest(1, kind="title", snapshot=SAMPLE_ID)
    hit = seam.text_hit("title", digest(title.text))
    assert hit is not None and hit.snapshot == SAMPLE_ID and hit.text == title.text


def test_no_vectors_with_the_extra_switched_off(seam: Backend) -> None:
    """The suite builds with SNAPSEARCH_SEMANTIC=off; the HTTP and PostgreSQL backends
    never hand out vectors (tests/test_vectors.py has the embedded index's)."""
    assert seam.vectors() is None
