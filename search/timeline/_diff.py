"""What changed between two snapshots: paragraphs, and the largest rate and index moves."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from index import SnapshotInfo
from index.errors import SnapsearchError

from ..engine import Backend, Hit

__all__ = ["Diff", "Move", "ParagraphChange", "diff"]

SIMILAR = 0.6  # word-level similarity above which a paragraph was edited, not replaced


@dataclass(frozen=True)
class ParagraphChange:
    """A paragraph that is new, removed, or changed (then both versions are given)."""

    status: str  # "new" | "removed" | "changed"
    old: Hit | None
    new: Hit | None
    similarity: float

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "similarity": round(self.similarity, 3),
            "old": self.old.to_json() if self.old else None,
            "new": self.new.to_json() if self.new else None,
        }


@dataclass(frozen=True)
class Move:
    """A rate or index level in both snapshots."""

    key: str
    name: str
    old: float
    new: float

    @property
    def percent(self) -> float:
        return (self.new - self.old) / self.old * 100 if self.old else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "series": self.key,
            "name": self.name,
            "old": self.old,
            "new": self.new,
            "percent": round(self.percent, 4),
        }


@dataclass(frozen=True)
class Diff:
    """The changes from `old` to `new`."""

    old: SnapshotInfo
    new: SnapshotInfo
    paragraphs: tuple[ParagraphChange, ...]
    rates: tuple[Move, ...]
    quotes: tuple[Move, ...]
    unchanged: int  # paragraphs found word for word in both

    def to_json(self) -> dict[str, Any]:
        return {
            "old": {"id": self.old.id, "date": self.old.date},
            "new": {"id": self.new.id, "date": self.new.date},
            "unchanged_paragraphs": self.unchanged,
            "paragraphs": [c.to_json() for c in self.paragraphs],
            "rates": [m.to_json() for m in self.rates],
            "quotes": [m.to_json() for m in self.quotes],
        }


def diff(engine: Backend, old: str | None = None, new: str | None = None, top: int = 10) -> Diff:
    """Compare snapshot `old` with `new` (default: the newest, and the one before it; with
    `old` alone, that one and the one before it); the paragraphs that changed, and the
    `top` largest rate and index moves (values that did not move are left out)."""
    infos = {info.id: info for info in engine.snapshots()}  # oldest first
    if len(infos) < 2:
        raise SnapsearchError(f"a diff needs two snapshots; the index holds {len(infos)}")
    if new is None and old is not None:  # `diff X`: what changed in X
        old, new = None, old
    new = engine.resolve_snapshot(new or "latest")
    assert new is not None
    if old is None:
        ordered = list(infos)
        position = ordered.index(new)
        if position == 0:
            raise SnapsearchError(f"{new} is the oldest snapshot; name one to compare it with")
        old = ordered[position - 1]
    old = engine.resolve_snapshot(old)
    assert old is not None
    if old == new:
        raise SnapsearchError(f"{old} compared with itself; name two different snapshots")
    paragraphs, unchanged = _paragraphs(
        engine.documents(snapshot=old, kind="paragraph"),
        engine.documents(snapshot=new, kind="paragraph"),
    )
    return Diff(
        old=infos[old],
        new=infos[new],
        paragraphs=paragraphs,
        rates=_moves(engine, old, new, "rate", "value")[:top],
        quotes=_moves(engine, old, new, "quote", "level")[:top],
        unchanged=unchanged,
    )


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def _paragraphs(old: list[Hit], new: list[Hit]) -> tuple[tuple[ParagraphChange, ...], int]:
    old_texts = {hit.text for hit in old}
    new_texts = {hit.text for hit in new}
    gone = [hit for hit in old if hit.text not in new_texts]
    came = [hit for hit in new if hit.text not in old_texts]
    changes: list[ParagraphChange] = []
    for hit in came:
        scored = [(_similarity(before.text, hit.text), before) for before in gone]
        best = max(scored, key=lambda pair: pair[0], default=None)
        if best is not None and best[0] >= SIMILAR:
            gone.remove(best[1])
            changes.append(ParagraphChange("changed", best[1], hit, best[0]))
        else:
            changes.append(ParagraphChange("new", None, hit, 0.0))
    changes += [ParagraphChange("removed", hit, None, 0.0) for hit in gone]
    changes.sort(key=lambda c: (c.new or c.old).paragraph or 0)  # type: ignore[union-attr]
    return tuple(changes), len(new) - len(came)


def _moves(engine: Backend, old: str, new: str, kind: str, field: str) -> tuple[Move, ...]:
    def values(sid: str) -> dict[str, tuple[str, float]]:
        found = {}
        for hit in engine.documents(snapshot=sid, kind=kind):
            value = (hit.data or {}).get(field)
            if value is not None:
                found[hit.id.split(":", 1)[1]] = (hit.code or hit.name or "", float(value))
        return found

    before, after = values(old), values(new)
    moves = [  # a value that did not move is no move
        Move(key, after[key][0], before[key][1], after[key][1])
        for key in before
        if key in after and after[key][1] != before[key][1]
    ]
    return tuple(sorted(moves, key=lambda m: abs(m.percent), reverse=True))
