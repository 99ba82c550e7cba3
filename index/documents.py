"""Turn a parsed `Snapshot` into the documents of the index, one dict per document."""

from __future__ import annotations

import functools
import hashlib
import os
from typing import Any

from . import lang
from .model import Quote, Rate, Snapshot

__all__ = [
    "Document",
    "currency_names",
    "day_number",
    "digest",
    "documents",
    "languages",
    "quote_text",
    "rate_text",
]

Document = dict[str, Any]


def day_number(snapshot: Snapshot) -> int:
    """The snapshot date as a sortable YYYYMMDD integer."""
    d = snapshot.date
    return d.year * 10000 + d.month * 100 + d.day


def digest(text: str) -> str:
    """The sha1 of a text: the same paragraph in several snapshots is one text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def languages(snapshot: Snapshot) -> tuple[str | None, list[str | None]]:
    """The page's language and each paragraph's: detected, or the page's when a paragraph
    is too short to tell."""
    detected = [lang.detect(p) for p in snapshot.paragraphs]
    page_lang = lang.dominant(detected)
    return page_lang, [found or page_lang for found in detected]


def documents(snapshot: Snapshot) -> list[Document]:
    """Title, paragraph, rate and quote documents of one snapshot, title first."""
    page_lang, langs = languages(snapshot)
    docs = [_title(snapshot, page_lang)]
    for number, (text, found) in enumerate(zip(snapshot.paragraphs, langs, strict=True), 1):
        docs.append(_paragraph(snapshot, number, text, found))
        if len(snapshot.lines) >= number:
            docs[-1]["line"] = snapshot.lines[number - 1]
    docs += [_rate(snapshot, rate) for rate in snapshot.rates]
    docs += [_quote(snapshot, quote) for quote in snapshot.quotes]
    docs[0]["info"]["documents"] = len(docs)
    return docs


def _base(snapshot: Snapshot, kind: str, key: str, text: str) -> Document:
    doc = {
        "id": f"{snapshot.id}:{key}",
        "kind": kind,
        "snapshot": snapshot.id,
        "day": day_number(snapshot),
        "text": text,
        "plain": text,
        "start": text,
    }
    # Tables change every day, so only text documents can repeat across snapshots; a
    # digest on each of the many rate documents would be one more unique term apiece.
    if kind in ("paragraph", "title"):
        doc["digest"] = digest(text)
    return doc


def _with_language(doc: Document, language: str | None) -> Document:
    # Text of unknown language goes to every stemmed field, so plurals still meet.
    for field in ("fr", "en") if language is None else (language,):
        doc[field] = doc["text"]
    doc["lang"] = language
    return doc


def _title(snapshot: Snapshot, language: str | None) -> Document:
    doc = _base(snapshot, "title", "title", snapshot.title)
    doc["info"] = {
        "date": snapshot.date.isoformat(),
        "sha256": snapshot.sha256,
        "path": os.path.abspath(snapshot.path),  # re-indexing works from any folder
        "site": snapshot.site,
        "headline": snapshot.headline,
        "base": snapshot.base,
        "paragraphs": len(snapshot.paragraphs),
        "rates": len(snapshot.rates),
        "quotes": len(snapshot.quotes),
    }
    return _with_language(doc, language)


def _paragraph(snapshot: Snapshot, number: int, text: str, language: str | None) -> Document:
    doc = _base(snapshot, "paragraph", f"p{number}", text)
    doc["paragraph"] = number
    return _with_language(doc, language)


def currency_names(code: str) -> tuple[str, str]:
    """The French and English CLDR names of a currency ("" when CLDR does not know it)."""
    fr, en = (_currency_name(code, locale) for locale in ("fr", "en"))
    return fr, en


def rate_text(base: str | None, raw: str, code: str, fr: str, en: str) -> str:
    """How a rate reads: `1 EUR = 25.12 CZK (Czech Koruna; couronne tchèque)`."""
    names = f" ({en}; {fr})" if en else ""
    return f"1 {base or 'base'} = {raw} {code}{names}"


def quote_text(name: str, level: float | None, change: float | None, percent: float | None) -> str:
    """How a stock index reads: `PX 1612.5 (+3.2, +0.20%)`."""
    parts = [name]
    if level is not None:
        parts.append(f"{level:.10g}")
    moves = []
    if change is not None:
        moves.append(f"{change:+.10g}")
    if percent is not None:
        moves.append(f"{percent:+.2f}%")
    return " ".join(parts) + (f" ({', '.join(moves)})" if moves else "")


def _rate(snapshot: Snapshot, rate: Rate) -> Document:
    fr, en = currency_names(rate.code)
    text = rate_text(snapshot.base, rate.raw, rate.code, fr, en)
    doc = _base(snapshot, "rate", f"rate:{rate.code}", text)
    doc.update(code=rate.code, name=en or None, fr=fr, en=en, lang=None)
    doc["series"] = f"rate:{rate.code}"
    doc["data"] = {"value": rate.value, "raw": rate.raw, "base": snapshot.base}
    return doc


def _quote(snapshot: Snapshot, quote: Quote) -> Document:
    text = quote_text(quote.name, quote.level, quote.change, quote.percent)
    doc = _base(snapshot, "quote", f"quote:{quote.name}", text)
    doc.update(code=None, name=quote.name, lang=None, series=f"quote:{quote.name}")
    doc["data"] = {"level": quote.level, "change": quote.change, "percent": quote.percent}
    return doc


@functools.cache  # Babel parses the locale on every call; a build asks ~170 codes ~1,000 times
def _currency_name(code: str, locale: str) -> str:
    """The CLDR name of a currency, or "" when CLDR does not know the code."""
    from babel.numbers import get_currency_name  # only builds need Babel's data

    name: str = get_currency_name(code, locale=locale)
    return "" if name == code else name
