"""Helpers of the reliability tests: corpora of small snapshots, what an index folder holds,
and the installed `search` command started as a process a test can kill."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import TOC

from index import IndexDir, list_snapshots
from index.store import side_reader
from tests.conftest import SEARCH_BIN, make_page

State = dict[str, str]  # snapshot id -> sha256 of its file
MARKER = "zephyrmarker"  # one word in every paragraph the corpora write
PARAGRAPHS_PER_PAGE = 2


def write_pages(folder: Path, names: Iterable[str], version: int) -> State:
    """One small dated page per name in `folder`; `version` changes every page's text."""
    folder.mkdir(parents=True, exist_ok=True)
    written: State = {}
    for n, name in enumerate(names):
        path = folder / f"{name}.txt"
        path.write_text(page_text(name, version, n), "utf-8")
        written[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return written


def page_text(name: str, version: int, n: int = 0) -> str:
    """A page whose every paragraph names its snapshot and version, so a reader can tell
    which state of the index a hit comes from."""
    paragraphs = [
        f"{MARKER} {name} version{version} paragraph{k}: the council met about trams and "
        f"bridges, and the mayor spoke for {n + k} minutes."
        for k in range(1, PARAGRAPHS_PER_PAGE + 1)
    ]
    return make_page(
        headline=f"Headline {name} {version}",
        paragraphs=paragraphs,
        rates={"USD": f"1.{n:04d}", "CZK": "25.1"},
        quotes=[("AEX", "6.2400", f"{900 + n}", "+0.64%")],
    )


def index_state(root: Path) -> State | None:
    """The snapshots a complete index at `root` holds, or None when there is no index.

    Fails when the two stores do not make whole snapshots: each snapshot's documents in the
    side store add up to the count it records, and the Whoosh index holds exactly the
    texts and series those documents are made of, no more, no fewer.
    """
    index_dir = IndexDir(root)
    if not index_dir.exists():
        return None
    ix = index_dir.open()
    infos = list_snapshots(ix)
    side = side_reader(ix)
    try:
        members: set[str] = set()
        for info in infos:
            assert len(side.rows({"snapshot": info.id})) == info.documents
            members.update(side.members(info.id))
        with ix.searcher() as searcher:
            indexed = [fields["id"] for fields in searcher.all_stored_fields()]
        assert len(indexed) == len(set(indexed)) and set(indexed) == members
    finally:
        side.close()
    return {info.id: info.sha256 for info in infos}


def debris(root: Path) -> list[str]:
    """Files and folders in an index folder that no reader needs: what a killed or failed
    build left behind and the next build must have swept."""
    gen = IndexDir(root).generation()
    assert gen is not None
    extra = [p.name for p in root.iterdir() if p.name not in {"CURRENT", "write.lock", gen.name}]
    ix = whoosh_index.open_dir(str(gen))
    toc = TOC.read(ix.storage, ix.indexname)
    segments = tuple(f"{s.segment_id()}." for s in toc.segments)
    needed = {
        "snapsearch.json",
        "side.sqlite",
        f"{ix.indexname}_WRITELOCK",
        f"_{ix.indexname}_{toc.generation}.toc",
    }
    extra += [
        f"{gen.name}/{p.name}"
        for p in gen.iterdir()
        if p.name not in needed and not p.name.startswith(segments)
    ]
    return sorted(extra)


def search_env(root: Path) -> dict[str, str]:
    return {**os.environ, "SEARCH_INDEX": str(root), "NO_COLOR": "1"}


def start_search(*args: str | Path, root: Path) -> subprocess.Popen[str]:
    """The installed `search` command started in a process, stdout and stderr piped."""
    return subprocess.Popen(
        [str(SEARCH_BIN), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=search_env(root),
    )
