"""Split paragraphs of news prose into sentences: `index.sentences`, where the build
splits them too (sentence vectors are computed at build time), re-exported here."""

from __future__ import annotations

from index.sentences import Span, split

__all__ = ["Span", "split"]
