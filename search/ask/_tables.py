"""Answers from the rate and quote tables: exchange rates, conversions, index moves.

"Combien vaut un euro en livres sterling ?", "taux EUR/CAD", "How many Swedish kronor
for one euro?", "Combien valent 250 euros en yens ?" (250 × the rate, which the answer
shows) and "Comment a évolué le BEL20 ?" are answered from `rate` and `quote` documents,
which the answer cites. The newest snapshot that has the numbers answers, and says so
when it is not the newest one. Rates keep every digit the page printed; computed values
keep six significant digits.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property

from ..engine import Backend, Hit
from ._currencies import Mention, currency_name, find_currencies, prefer, shared
from ._numbers import amount_before, format_number, round_significant
from ._question import Question, fold
from ._quotes import quote_answer
from ._reply import Answer

__all__ = ["MENTION_DAYS", "RECENT", "rate_series", "table_answer"]

MENTION_DAYS = 7  # how far back "what the pages talk about" looks, from the newest page
RECENT = 31  # rates read per currency before looking through the whole archive

_STRONG_CUES = frozenset(
    "taux change cours vaut valent vaudrait valait convertir conversion rate rates exchange "
    "worth convert".split()
)
_TARGET_BEFORE = frozenset("en in into to vers contre against".split())
_SOURCE_BEFORE = frozenset("pour for per par".split())
# Where a question names the other currency of a rate, known or not.
# A determiner may come between (`in the Czech currency`): the word after it is the
# candidate, and a word followed by a generic noun for money (`Czech currency`) describes
# a currency instead of naming one.
_DETERMINER = r"(?:(?:the|a|an|its|their|la|le|les|l['’]|une?|sa|leur)\s*)?"
_MONEY_NOUN = r"(?!\s+(?:currency|currencies|money|monnaie|devise|devises)\b)"
_UNKNOWN = (
    r"/\s*([A-Za-z]{3})\b",
    rf"\b(?:en|in|into|contre|against)\s+(?>{_DETERMINER})([^\W\d_]{{3,}})\b{_MONEY_NOUN}",
    r"\b(?:how many\s+|how much\s+|combien d(?:e\s+|['’]))([^\W\d_]{3,})\s+(?:for|per|pour|par)\s+"
    r"(?:one|an?|une?|\d)",
)
_ARTICLES = frozenset("un une one a an le la l les the".split())


@dataclass(frozen=True)
class _Side:
    """One currency of a conversion, with the words that named it (None: the base)."""

    code: str
    mention: Mention | None
    chosen: bool = False  # a shared name (`dollar`) read as one currency among several


@dataclass(frozen=True)
class _Rate:
    """One rate line: 1 `base` = `value` `code`, in the snapshot of `hit`."""

    hit: Hit
    base: str
    code: str
    value: Decimal


def table_answer(engine: Backend, question: Question, snapshot: str | None) -> Answer | None:
    """An answer from the tables, or None when the question is not about them."""
    quoted = quote_answer(engine, question, snapshot)
    if quoted is not None:
        return quoted
    mentions = find_currencies(question.text)
    words = {fold(w) for w in re.findall(r"[^\W_]+", question.text)}
    # `What was the yen on 2026-11-24?`: nothing but a currency (the date is gone by now)
    strong = bool(_STRONG_CUES & words) or (bool(mentions) and _only_rates(question, mentions))
    unknown = _unknown_currency(question.text, mentions)
    if not _about_rates(mentions, strong) and not (unknown and mentions):
        return None
    return _Conversion(engine, question, snapshot, mentions, unknown).answer()


def rate_series(
    engine: Backend, question: Question, snapshot: str | None
) -> tuple[str, str] | None:
    """The series key (`rate:GBP`) of the first currency other than the base the question
    names, and a note when a shared name (`livre`) was read as one currency, as rate
    answers read it; None if there is none."""
    conversion = _Conversion(engine, question, snapshot, find_currencies(question.text), None)
    for mention in conversion.mentions:
        side = conversion._resolve(mention)
        if isinstance(side, _Side) and side.code != conversion.base:
            return f"rate:{side.code}", conversion._choice(side) if side.chosen else ""
    return None


def _only_rates(question: Question, mentions: list[Mention]) -> bool:
    """Whether the question holds nothing but currencies and rate words (`Combien vaut
    un euro ?`): then it asks for a rate, not for the article."""
    taken = [(m.start, m.end) for m in mentions]
    words = [
        m
        for m in re.finditer(r"[^\W\d_]+", question.text)
        if not any(a <= m.start() < b for a, b in taken)
    ]
    content = {fold(w.group()) for w in words} - _STRONG_CUES
    return not {w.plain for w in question.words} & content


def _about_rates(mentions: list[Mention], strong: bool) -> bool:
    """Two currencies, or one and a rate word (`taux`, `vaut`, `worth`): so `Que livre
    Moscou ?` stays a question for the article."""
    if len({m.codes for m in mentions}) >= 2:
        return True
    return bool(mentions) and strong


def _unknown_currency(text: str, mentions: list[Mention]) -> str | None:
    """A word where a currency is expected that names none (`un euro en bitcoins`,
    `EUR/XYZ`, `how many dogecoins for one euro`)."""
    taken = [(m.start, m.end) for m in mentions]
    if not taken:
        return None
    for pattern in _UNKNOWN:
        for match in re.finditer(pattern, text, re.IGNORECASE):
            if not any(a <= match.start(1) < b for a, b in taken):
                return match.group(1)
    return None


class _Conversion:
    """One rate question: which currencies, which snapshot's rates, what to say."""

    def __init__(
        self,
        engine: Backend,
        question: Question,
        snapshot: str | None,
        mentions: list[Mention],
        unknown: str | None,
    ) -> None:
        self.engine, self.question, self.snapshot = engine, question, snapshot
        self.mentions, self.unknown = mentions, unknown
        self.lang = question.lang
        self._rates_cache: dict[tuple[str, bool], list[_Rate]] = {}

    def answer(self) -> Answer | None:
        """The conversion's answer; None when the question names only the base currency
        (`Combien vaut le contrat en euros ?` asks the article, not the table)."""
        sides = self._sides()
        if sides is None:
            return None
        if isinstance(sides, str):
            return self._refuse(sides)
        source, target = sides
        amount = None
        if source.mention is not None:
            amount = amount_before(self.question.text, source.mention.start)
        return self._convert(source, target, amount or Decimal(1), alone=len(self.mentions) == 1)

    # ------------------------------------------------------------------ resolution

    def _rates_of(self, code: str, *, every: bool = False) -> list[_Rate]:
        """The rates of `code`, newest snapshot first: the latest `RECENT`, or `every` one."""
        key = (code, every)
        if key not in self._rates_cache:
            hits = self.engine.newest(None if every else RECENT, **self._where(f"rate:{code}"))
            self._rates_cache[key] = [rate for hit in hits if (rate := _parse_rate(hit))]
        return self._rates_cache[key]

    @cached_property
    def available(self) -> frozenset[str]:
        """The currency codes the rate tables list (in any snapshot)."""
        return frozenset(self.engine.values("code"))

    @cached_property
    def base(self) -> str:
        """The base currency of the newest snapshot with rates (the euro on these pages)."""
        title = self.newest
        found = self.engine.newest(1, kind="rate", snapshot=title.snapshot) if title else []
        if not found:  # the newest page lost its table: the newest rate says
            found = self.engine.newest(1, **self._where(kind="rate"))
        data = found[0].data if found else None
        return str((data or {}).get("base") or "EUR")

    @cached_property
    def newest(self) -> Hit | None:
        """The newest snapshot's title document."""
        # One sorted hit instead of listing every snapshot: thousands on a long archive.
        found = self.engine.newest(1, **self._where(kind="title"))
        return found[0] if found else None

    def _where(self, series: str | None = None, kind: str | None = None) -> dict[str, str]:
        """Field values that pick `series` or `kind`, in the asked snapshot if any."""
        where = {"series": series} if series else {"kind": kind or ""}
        return {**where, "snapshot": self.snapshot} if self.snapshot else where

    def _mentions(self, phrases: frozenset[tuple[str, ...]]) -> int:
        """How many paragraphs of the week up to the newest snapshot hold every word of any
        of `phrases`, in any form: what the pages a reader has seen lately talk about."""
        if self.newest is None:
            return 0
        words = [self.engine.words(" ".join(phrase)) for phrase in sorted(phrases)]
        since = dt.date.fromisoformat(self.newest.date) - dt.timedelta(days=MENTION_DAYS)
        return self.engine.count(words, kind="paragraph", since=since.isoformat())

    def _sides(self) -> tuple[_Side, _Side] | str | None:
        """The source and target currencies, why there are not two, or None when only the
        base currency is named."""
        resolved: list[_Side] = []
        for mention in self.mentions:
            side = self._resolve(mention)
            if isinstance(side, str):
                return side
            if all(side.code != other.code for other in resolved):
                resolved.append(side)
        others = [s for s in resolved if s.code != self.base]
        if not others:
            only_rates = _only_rates(self.question, self.mentions)
            return self._no_currency() if self.unknown or only_rates else None
        if len(resolved) == 1:
            only = resolved[0]
            assert only.mention is not None
            amount = amount_before(self.question.text, only.mention.start)
            if self._role(only.mention) == "source" and amount is not None:
                return only, _Side(self.base, None)
            return _Side(self.base, None), only
        return self._order(resolved[0], resolved[1])

    def _resolve(self, mention: Mention) -> _Side | str:
        codes = mention.codes
        if len(codes) == 1:
            return _Side(next(iter(codes)), mention)
        code = prefer(codes, self.available, self.base, self._mentions)
        if code is None:
            options = sorted(codes & self.available) or sorted(codes)
            listed = ", ".join(f"{currency_name(c, self.lang)} ({c})" for c in options)
            if self.lang == "fr":
                return f"« {mention.text} » peut désigner plusieurs monnaies : {listed}. Précisez."
            return f"“{mention.text}” may mean several currencies: {listed}. Say which one."
        return _Side(code, mention, chosen=shared(codes))

    def _order(self, first: _Side, second: _Side) -> tuple[_Side, _Side]:
        assert first.mention is not None and second.mention is not None
        if self.question.text[first.mention.end : second.mention.start].strip() == "/":
            return first, second  # `EUR/CAD`: units of CAD per euro
        if self._role(first.mention) == "target" or self._role(second.mention) == "source":
            return second, first
        return first, second

    def _role(self, mention: Mention) -> str | None:
        """`target` after `en`, `in`, `combien de`, `how many`; `source` after `pour`,
        `for` or an amount."""
        words = [fold(w) for w in re.findall(r"[^\W\d_]+", self.question.text[: mention.start])]
        if words[-2:] in (["combien", "de"], ["combien", "d"], ["how", "many"], ["how", "much"]):
            return "target"
        while words and words[-1] in _ARTICLES:
            words.pop()
        if words[-1:] and words[-1] in _TARGET_BEFORE:
            return "target"
        if words[-1:] and words[-1] in _SOURCE_BEFORE:
            return "source"
        if amount_before(self.question.text, mention.start) is not None:
            return "source"
        return None

    def _no_currency(self) -> str:
        if self.unknown and self.lang == "fr":
            return f"Je ne connais pas de monnaie « {self.unknown} »."
        if self.unknown:
            return f"I don't know a currency called “{self.unknown}”."
        if self.lang == "fr":
            return "Précisez la monnaie, par exemple : « Combien vaut un euro en dollars ? »"
        return "Say which currency, for example: “How many dollars for one euro?”"

    # ----------------------------------------------------------------- computation

    def _rates(self, source: str, target: str) -> tuple[dict[str, _Rate], str] | str:
        """The rates of both currencies from the newest snapshot that has them both, and a
        note when that is not the newest snapshot; or why there are none."""
        needed = [code for code in (source, target) if code != self.base]
        missing = [code for code in needed if not self._rates_of(code)]
        if missing:
            return self._no_rate(missing[0])
        chosen = self._shared_snapshot(needed) or self._shared_snapshot(needed, every=True)
        if chosen is None:
            return self._no_rate(needed[-1])
        return chosen, self._older_note(chosen, needed)

    def _shared_snapshot(self, needed: list[str], every: bool = False) -> dict[str, _Rate] | None:
        """The rates of `needed` from the newest snapshot that has them all, if any."""
        by_snapshot: dict[str, dict[str, _Rate]] = {}
        for code in needed:
            for rate in self._rates_of(code, every=every):
                if rate.base == self.base:
                    by_snapshot.setdefault(rate.hit.snapshot, {})[code] = rate
        complete = [rates for rates in by_snapshot.values() if len(rates) == len(needed)]
        return max(complete, key=lambda r: next(iter(r.values())).hit.date, default=None)

    def _older_note(self, chosen: dict[str, _Rate], needed: list[str]) -> str:
        hit = next(iter(chosen.values())).hit
        newest = self.newest.snapshot if self.newest else None
        if self.snapshot or newest in (None, hit.snapshot):
            return ""
        lacking = [c for c in needed if all(r.hit.snapshot != newest for r in self._rates_of(c))]
        codes = ", ".join(lacking)
        if self.lang == "fr":
            return f" Le snapshot le plus récent ({newest}) n’a pas de taux {codes}."
        return f" The newest snapshot ({newest}) has no {codes} rate."

    def _convert(self, source: _Side, target: _Side, amount: Decimal, alone: bool) -> Answer:
        found = self._rates(source.code, target.code)
        if isinstance(found, str):
            return self._refuse(found)
        rates, note = found
        value = amount * self._value(rates, target.code) / self._value(rates, source.code)
        if amount == 1 and source.code == self.base:
            shown = value  # the table's own rate: every printed digit
        else:
            shown = round_significant(value)
        left = f"{format_number(amount, self.lang)} {source.code} = "
        result = f"{format_number(shown, self.lang)} {target.code}"
        name = currency_name(target.code, self.lang, 1 if value == 1 else 2)
        used = sorted(rates.values(), key=lambda r: r.code != target.code)
        text = f"{left}{result} ({name}){self._shown(used, source, amount, alone)}"
        text += note + "".join(self._choice(side) for side in (source, target) if side.chosen)
        return Answer(
            question=self.question.text,
            answerable=True,
            answer=text,
            confidence=0.9 if source.chosen or target.chosen else 1.0,
            citations=tuple(r.hit for r in used),
            highlights=((len(left), len(left) + len(result)),),
            lang=self.lang,
        )

    def _value(self, rates: dict[str, _Rate], code: str) -> Decimal:
        return Decimal(1) if code == self.base else rates[code].value

    def _shown(self, used: list[_Rate], source: _Side, amount: Decimal, alone: bool) -> str:
        """The rates the answer rests on, and their date."""
        fr = self.lang == "fr"
        date = used[0].hit.date
        lines = [f"1 {r.base} = {format_number(r.value, self.lang)} {r.code}" for r in used]
        if source.code == self.base and amount == 1:
            if alone:  # `taux de la livre`: the other way round helps too
                rate = used[0]
                inverse = format_number(round_significant(1 / rate.value), self.lang)
                way = f"1 {rate.code} = {inverse} {rate.base}"
                return f", soit {way}, le {date}." if fr else f", so {way}, on {date}."
            return f" le {date}." if fr else f" on {date}."
        if len(lines) == 1:
            return f", au taux de {lines[0]} du {date}." if fr else f", at {lines[0]} on {date}."
        if fr:
            return f", par les taux croisés {' et '.join(lines)} du {date}."
        return f", from the cross rates {' and '.join(lines)} on {date}."

    def _choice(self, side: _Side) -> str:
        assert side.mention is not None
        name = currency_name(side.code, self.lang)
        if self.lang == "fr":
            return f" « {side.mention.text} » compris comme {name} ({side.code})."
        return f" “{side.mention.text}” taken as {name} ({side.code})."

    def _no_rate(self, code: str) -> str:
        name = currency_name(code, self.lang)
        where = f"le snapshot {self.snapshot}" if self.snapshot else "les snapshots"
        if self.lang == "fr":
            return f"Pas de taux pour {name} ({code}) dans {where}."
        where = f"snapshot {self.snapshot}" if self.snapshot else "the snapshots"
        return f"No rate for {name} ({code}) in {where}."

    def _refuse(self, reply: str) -> Answer:
        return Answer(
            question=self.question.text,
            answerable=False,
            answer=reply,
            confidence=0.0,
            citations=(),
            lang=self.lang,
        )


def _parse_rate(hit: Hit) -> _Rate | None:
    data = hit.data or {}
    if not data.get("raw") or not data.get("base"):
        return None
    try:
        return _Rate(hit, str(data["base"]), str(hit.code), Decimal(str(data["raw"])))
    except InvalidOperation:
        return None
