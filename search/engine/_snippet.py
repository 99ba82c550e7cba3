"""Cut a window of text around its highlights, for one-line displays."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["label", "snippet"]

Span = tuple[int, int]


def snippet(text: str, spans: Sequence[Span], width: int = 240) -> tuple[str, tuple[Span, ...]]:
    """At most about `width` characters of `text` around its highlights, cut at word
    boundaries with `…`, and the highlight spans moved into the cut text."""
    if len(text) <= width:
        return text, tuple(spans)
    first = _anchor(text, spans, width)
    start = max(0, first - width // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    prefix = "…" if start else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    moved = tuple(
        (max(a, start) + shift, min(b, end) + shift) for a, b in spans if a < end and b > start
    )
    return prefix + text[start:end] + suffix, moved


def _anchor(text: str, spans: Sequence[Span], width: int) -> int:
    """Where the window centres: the highlight whose window shows the most distinct
    highlighted words (`maire de Prague` shows `maire` and `Prague`, not the first `de`)."""
    best, shown = (spans[0][0] if spans else 0), 0
    for start, _ in spans[:_MAX_ANCHORS]:
        low = max(0, start - width // 3)
        words = {text[a:b].casefold() for a, b in spans if a >= low and b <= low + width}
        if len(words) > shown:
            best, shown = start, len(words)
    return best


_MAX_ANCHORS = 200  # highlights tried as the centre; a long text has many


def label(kind: str, paragraph: int | None, code: str | None, name: str | None) -> str:
    """How a document is named in lists: `¶3`, `rate GBP`, `index AEX` or `title`."""
    if kind == "paragraph":
        return f"¶{paragraph}"
    if kind == "rate":
        return f"rate {code}"
    if kind == "quote":
        return f"index {name}"
    return "title"
