"""The Whoosh schema and the text analysis behind it.

Every document gets an accent-folded, unstemmed `plain` field (exact words, prefixes,
typos, highlights), its first one and two letters in `start` (short prefixes), and stemmed
`fr` / `en` fields chosen by its language. Only built-in
Whoosh analysis classes appear here: the schema is pickled into the index, and a custom
class would tie every index on disk to a module path.
"""

from __future__ import annotations

import re

# First: Whoosh without the modules it never uses (see index._imports).
from . import _imports  # isort: skip  # noqa: F401
from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LowercaseFilter,
    NgramFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

__all__ = [
    "LANGUAGES",
    "SCHEMA_VERSION",
    "START_LETTERS",
    "TOKEN",
    "analyzer_for",
    "make_schema",
    "stop_words",
]

# Bump when the schema or the analysis changes: an index of another version must be rebuilt.
SCHEMA_VERSION = 5
# Prefixes this short are looked up in the `start` field, one posting list, instead of
# expanding over every word of `plain` that begins with them (`e` matched 71 words, and
# the union of their postings took seconds on 1,000 snapshots).
START_LETTERS = 2
LANGUAGES = ("fr", "en")

# A word is a run of letters and digits (a decimal number keeps its point), never starting
# inside another word. French elisions (l’, d’, qu’, jusqu’…) are not words: the lookahead
# skips them so `l’alliance` yields `alliance`. U+02BC (ʼ) is a letter to Unicode, so it is
# excluded by hand to count as an apostrophe like ' and ’.
TOKEN = re.compile(
    r"(?<![^\W_\u02bc])"
    r"(?!(?i:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’ʼ])"
    r"[^\W_\u02bc]+(?:[.,]\d+)*"
)

# Whoosh's accent map folds `é`→`e` and `Š`→`s` but leaves ligatures alone; readers type
# `coeur` for `cœur`.
_FOLD = {
    **accent_map,
    ord("œ"): "oe",
    ord("Œ"): "oe",
    ord("æ"): "ae",
    ord("Æ"): "ae",
    ord("ß"): "ss",
}


def analyzer_for(field: str) -> Analyzer:
    """The analyzer of `plain`, `start`, `fr` or `en`: tokenize, lowercase, (stop,) fold,
    (stem, or keep the first letters)."""
    chain = RegexTokenizer(TOKEN) | LowercaseFilter()
    if field == "plain":
        return chain | CharsetFilter(_FOLD)
    if field == "start":
        # The `plain` words cut to their first 1..START_LETTERS letters: the documents with
        # `ko` here are exactly those with a `plain` word beginning with `ko`.
        return chain | CharsetFilter(_FOLD) | NgramFilter(1, START_LETTERS, at="start")
    # Stop words are matched before folding (the lists are accented); stemming comes after
    # folding, so `deployes` and `déployés` reach the stemmer as the same word.
    return chain | StopFilter(lang=field) | CharsetFilter(_FOLD) | StemFilter(lang=field)


def stop_words(lang: str) -> frozenset[str]:
    """The words the stemmed field of `lang` drops before stemming."""
    return frozenset(stopwords_for_language(lang))


def make_schema() -> Schema:
    """The schema of every snapsearch index: one document per distinct text (a paragraph
    or a title, whatever snapshots repeat it) and one per series (a currency or a stock
    index); which snapshot holds what, and the daily numbers, live in the side store."""
    return Schema(
        # `paragraph:<sha1>` and `title:<sha1>` for texts, `rate:GBP`, `quote:AEX` for series.
        id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        digest=ID(stored=True),  # sha1 of a text's words; None on a series
        series=ID(stored=True),  # `rate:GBP` or `quote:AEX`; None on a text
        code=ID(stored=True),  # a currency's ISO code
        # YYYYMMDD of the newest snapshot holding the document: ties go to the newest.
        day=NUMERIC(int, bits=32, sortable=True, shift_step=0),
        # Every YYYYMMDD a text is on, for date restrictions. One term per value
        # (shift_step=0), not Whoosh's default eight trie terms: ranges of days are short
        # (`NumericRange` then lists the days in range).
        days=NUMERIC(int, bits=32, shift_step=0),
        lang=STORED,
        text=STORED,  # a series' indexed words (code and names); texts are in the side store
        plain=TEXT(analyzer=analyzer_for("plain"), phrase=False),
        start=TEXT(analyzer=analyzer_for("start"), phrase=False),
        fr=TEXT(analyzer=analyzer_for("fr"), phrase=False),
        en=TEXT(analyzer=analyzer_for("en"), phrase=False),
    )
