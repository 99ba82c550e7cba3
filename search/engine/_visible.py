"""Outside text made safe to show: control characters become visible escapes.

File names, paths, snapshot ids, headlines and page text come from the outside world. A
terminal obeys the escape sequences they may hold (OSC 52 writes the clipboard, `ESC[2J`
clears the screen, a newline forges a second `error:` line), and bidirectional overrides
reorder what the reader sees. Every front end shows outside text through `visible`, as git
and ripgrep quote such bytes; JSON output keeps the exact text.
"""

from __future__ import annotations

import re

__all__ = ["visible"]

# C0 controls (newline and tab included), DEL, C1 controls, and the Unicode bidirectional
# embeddings, overrides and isolates; also the line and paragraph separators.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` on one line with every control character shown as an escape (`\\x1b`)."""
    return _UNSAFE.sub(_escape, text)
