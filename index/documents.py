"""Turn a parsed `Snapshot` into the documents of the index, one dict per document."""

from __future__ import annotations

import functools
import hashlib
import os
from typing import Any

from . import lang
from .model import Quote, Rate, Snapshot

__all__ = ["Document", "day_number", "documents"]

Document = dict[str, Any]


def day_number(snapshot: Snapshot) -> int:
    """The snapshot date as a sortable YYYYMMDD integer."""
    d = snapshot.date
    return d.year * 10000 + d.month * 100 + d.day


def documents(snapshot: Snapshot) -> list[Document]:
    """Title, paragraph, rate and quote documents of one snapshot, title first."""
    detected = [lang.detect(p) for p in snapshot.paragraphs]
    page_lang = lang.dominant(detected)
    docs = [_title(snapshot, page_lang)]
    for number, (text, found) in enumerate(zip(snapshot.paragraphs, detected, strict=True), 1):
        docs.append(_paragraph(snapshot, number, text, found or page_lang))
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
        doc["digest"] = hashlib.sha1(text.encode("utf-8")).hexdigest()
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


def _rate(snapshot: Snapshot, rate: Rate) -> Document:
    fr, en = (_currency_name(rate.code, locale) for locale in ("fr", "en"))
    names = f" ({en}; {fr})" if en else ""
    base = snapshot.base or "base"
    doc = _base(snapshot, "rate", f"rate:{rate.code}", f"1 {base} = {rate.raw} {rate.code}{names}")
    doc.update(code=rate.code, name=en or None, fr=fr, en=en, lang=None)
    doc["series"] = f"rate:{rate.code}"
    doc["data"] = {"value": rate.value, "raw": rate.raw, "base": snapshot.base}
    return doc


def _quote(snapshot: Snapshot, quote: Quote) -> Document:
    parts = [quote.name]
    if quote.level is not None:
        parts.append(f"{quote.level:.10g}")
    moves = []
    if quote.change is not None:
        moves.append(f"{quote.change:+.10g}")
    if quote.percent is not None:
        moves.append(f"{quote.percent:+.2f}%")
    text = " ".join(parts) + (f" ({', '.join(moves)})" if moves else "")
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
