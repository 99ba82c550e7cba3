"""Synthetic snapshot pages grown from the reference sample: one page a day, seeded.

Day 0 is the sample itself. Every later day walks the rates and the ticker on a random
walk, and either repeats yesterday's article exactly (some days a news page does not
change) or writes a new one: sentences recombined from the sample's own sentences by a
word chain, with proper names swapped for names introduced day by day (CLDR places in
French, generated people). The vocabulary thus stays real French while the term
dictionary grows the way a news archive's does: by names and numbers.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.core import get_global

from index import Snapshot, read_snapshot

__all__ = ["Corpus", "generate"]

REPEAT_CHANCE = 0.2  # share of days whose article is yesterday's, byte for byte
NAME_SWAP_CHANCE = 0.4  # share of proper-name occurrences replaced by a current name
RATE_VOLATILITY = 0.003  # daily log-step of a currency rate
INDEX_VOLATILITY = 0.008  # daily log-step of a stock index
MISSING_RATE_CHANCE = 0.003  # real pages drift: a currency is sometimes absent
MISSING_TICKER_CHANCE = 0.02
ACTIVE_NAMES = 25  # names "in the news" at any time; older ones fade out

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«A-ZÀ-ÖØ-Þ])")
# A capitalised word, possibly after an opening quote or an elided article, possibly
# followed by punctuation: `l’Ukraine`, `(Rason)`, `Koursk ;` are all names to swap.
_NAME_TOKEN = re.compile(
    r"^(?P<pre>[«(]*(?:[dlDL]’)?)(?P<name>[A-ZÀ-ÖØ-Þ][\w’-]*[\w])(?P<post>[.,;:»)]*)$"
)
_YEAR = re.compile(r"\b20[12]\d\b")
_PERSONS = {"Vladimir", "Poutine", "Kim", "Jong-un"}
# Capitalised inside sentences, yet not names a news story would swap.
_NOT_NAMES = {"Conseil", "État", "États", "Nord", "Sud", "Extrême-Orient", "Asie-Pacifique"}
_FIRST_NAMES = (
    "Anatoli", "Dmitri", "Sergueï", "Oleksandr", "Mykola", "Natalia", "Irina", "Ioulia",
    "Min-jun", "Ji-woo", "Seo-yeon", "Hyun-woo", "Choe", "Ri", "Pak", "Kang", "Élise",
    "Hélène", "François", "Jérôme", "Agnès", "Taro", "Yuki", "Wang", "Li",
)  # fmt: skip
_SYLLABLES = (
    "ko", "ro", "len", "va", "tcha", "min", "su", "pa", "ri", "ya", "no", "vi", "da",
    "re", "ché", "bo", "gou", "za", "ki", "lé", "mar", "tin", "sar", "vel",
)  # fmt: skip
_SUFFIXES = ("enko", "ov", "ova", "ski", "ine", "ev", "yang", "sung", "ier", "ard", "")
_HEADLINES = (
    "{p1}–{p2}, l’alliance choc",
    "{place} : {np}",
    "{p1} et {place}, {np}",
    "{np} : {p1} hausse le ton",
    "À {place}, {np}",
)
_NOUN_PHRASES = (
    "le troc stratégique",
    "l’étau des sanctions",
    "la guerre d’attrition",
    "la menace balistique",
    "les convois maritimes",
    "la coopération technologique",
    "la dissuasion nord-coréenne",
    "les liaisons ferroviaires",
    "la puissance de feu russe",
    "le filet juridique",
)


@dataclass(frozen=True)
class Corpus:
    """Generated pages: `count` in `folder`, the next day's page apart in `next_file`."""

    folder: Path
    files: tuple[Path, ...]
    next_file: Path
    names: tuple[tuple[int, str], ...]  # (day introduced, name), oldest first


def generate(sample: Path, out: Path, count: int, seed: int = 0) -> Corpus:
    """Write `count` daily pages into `out/snapshots` and day `count` into `out/next`."""
    snap = read_snapshot(sample)
    rng = random.Random(seed)
    writer = _Writer(snap, rng)
    folder, next_folder = out / "snapshots", out / "next"
    folder.mkdir(parents=True)
    next_folder.mkdir()
    files = []
    for day in range(count + 1):
        text = sample.read_text("utf-8") if day == 0 else writer.page(day)
        date = snap.date + dt.timedelta(days=day)
        target = (folder if day < count else next_folder) / f"prague-post-{date}.txt"
        target.write_text(text, "utf-8")
        files.append(target)
    return Corpus(folder, tuple(files[:-1]), files[-1], tuple(writer.names.introduced))


class _Writer:
    """The state carried from day to day: prices, the current article, names in the news."""

    def __init__(self, snap: Snapshot, rng: random.Random) -> None:
        self._snap = snap
        self._rng = rng
        self._rates = {r.code: (r.value, _decimals(r.raw)) for r in snap.rates}
        self._levels = {q.name: q.level or 1000.0 for q in snap.quotes}
        self._headline = snap.headline
        self._paragraphs = snap.paragraphs
        self._chain = _Chain(self._paragraphs, rng)
        self.names = _Names(rng, self._chain.names())

    def page(self, day: int) -> str:
        if self._rng.random() >= REPEAT_CHANCE:
            self._new_article(day)
        snap = self._snap
        lines = [f"{snap.site} - {self._headline}", "", f"{snap.base} -"]
        lines += self._rate_lines()
        lines += self._ticker_lines()
        lines += ["", self._headline, "", "", "", ""]
        return "\n".join(lines) + "\n\n".join(self._paragraphs)

    def _rate_lines(self) -> list[str]:
        lines = []
        for code, (value, decimals) in self._rates.items():
            value *= math.exp(self._rng.gauss(0, RATE_VOLATILITY))
            self._rates[code] = (value, decimals)
            if self._rng.random() >= MISSING_RATE_CHANCE:
                lines.append(f"{code} {value:.{decimals}f}")
        return lines

    def _ticker_lines(self) -> list[str]:
        lines: list[str] = []
        missing = self._rng.random() < MISSING_TICKER_CHANCE
        for name, level in self._levels.items():
            new = level * math.exp(self._rng.gauss(0, INDEX_VOLATILITY))
            self._levels[name] = new
            change, percent = new - level, (new - level) / level * 100
            if not missing:
                lines += [f"  • {name}", "", f"    {change:.4f}", "", f"    {new:.2f}", ""]
                lines += [f"    {percent:+.2f}%", ""]
        return lines

    def _new_article(self, day: int) -> None:
        self.names.advance(day)
        rng, names = self._rng, self.names
        headline = rng.choice(_HEADLINES).format(
            p1=names.person(), p2=names.person(), place=names.place(), np=rng.choice(_NOUN_PHRASES)
        )
        self._headline = headline[0].upper() + headline[1:]
        self._paragraphs = tuple(
            " ".join(self._sentence() for _ in range(rng.randint(2, 6)))
            for _ in range(rng.randint(8, 12))
        )

    def _sentence(self) -> str:
        tokens = self._chain.sentence()
        # The first word is capitalised because it starts the sentence, not because it
        # is a name: `Depuis`, `Dans` must stay.
        tokens[1:] = [self._swap(token) for token in tokens[1:]]
        year = str(self._rng.randint(2019, 2027))
        return _YEAR.sub(year, " ".join(tokens))

    def _swap(self, token: str) -> str:
        match = _NAME_TOKEN.match(token)
        if match is None or match["name"] not in self.names.originals:
            return token
        if self._rng.random() >= NAME_SWAP_CHANCE:
            return token
        person = match["name"] in _PERSONS
        name = self.names.person() if person else self.names.place()
        pre = match["pre"]
        if pre.endswith("’") and name[0].lower() not in "aeiouyéèêîïôh":
            # No elision before a consonant: `de l’Ukraine` becomes `de Tokyo`.
            pre = pre[:-2] + ("" if pre[-2] in "lL" else "de ")
        return f"{pre}{name}{match['post']}"


class _Chain:
    """An order-2 word chain over the sample's sentences, with an order-1 jump now and then.

    The jumps are what makes sentences new; the order-2 steps keep them grammatical
    enough that the stemmer and the stop lists meet real French.
    """

    JUMP = 0.15
    MIN_WORDS, MAX_WORDS = 6, 60

    def __init__(self, paragraphs: Sequence[str], rng: random.Random) -> None:
        self._rng = rng
        # A list, not a set: set order changes with hash randomisation between runs,
        # and the walk must draw the same words for the same seed.
        self._sentences = list(dict.fromkeys(s for p in paragraphs for s in _SENTENCE_END.split(p)))
        self._originals = set(self._sentences)
        self._next2: dict[tuple[str, str], list[str]] = defaultdict(list)
        self._next1: dict[str, list[str]] = defaultdict(list)
        for sentence in self._sentences:
            words = ["", "", *sentence.split(), "\n"]
            for a, b, c in zip(words, words[1:], words[2:], strict=False):
                self._next2[(a, b)].append(c)
                self._next1[b].append(c)

    def names(self) -> set[str]:
        """Words the sample capitalises inside sentences: its proper names."""
        found = set()
        for sentence in self._sentences:
            for token in sentence.split()[1:]:
                match = _NAME_TOKEN.match(token)
                if match and not match["name"].isupper():
                    found.add(match["name"])
        return found - _NOT_NAMES

    def sentence(self) -> list[str]:
        for _ in range(30):
            words = self._walk()
            if self.MIN_WORDS <= len(words) <= self.MAX_WORDS:
                if " ".join(words) not in self._originals:
                    return words
        return self._rng.choice(self._sentences).split()

    def _walk(self) -> list[str]:
        a, b, words = "", "", []
        while len(words) <= self.MAX_WORDS:
            jump = b and self._rng.random() < self.JUMP
            c = self._rng.choice(self._next1[b] if jump else self._next2[(a, b)])
            if c == "\n":
                break
            words.append(c)
            a, b = b, c
        return words


class _Names:
    """Names in the news: a few new ones on each new article, the recent ones reused."""

    def __init__(self, rng: random.Random, originals: set[str]) -> None:
        self._rng = rng
        self.originals = originals
        places = _cldr_places()
        rng.shuffle(places)
        self._unused_places = places
        # The sample's own names stay in the news at first, then fade as new ones arrive.
        self._persons = sorted(originals & _PERSONS)
        self._places = sorted(originals - _PERSONS)
        self._taken = set(places) | originals
        self.introduced: list[tuple[int, str]] = []

    def advance(self, day: int) -> None:
        for _ in range(self._rng.randint(1, 3)):
            if self._rng.random() < 0.5:
                name = self._new_person()
                self._persons.append(name)
            else:
                name = self._unused_places.pop() if self._unused_places else self._new_person()
                self._places.append(name)
            self.introduced.append((day, name))

    def person(self) -> str:
        return self._recent(self._persons) or "Poutine"

    def place(self) -> str:
        return self._recent(self._places) or "Moscou"

    def _recent(self, names: list[str]) -> str | None:
        window = names[-ACTIVE_NAMES:]
        if not window:
            return None
        # Newer names are in the news more: weight by position in the window.
        return self._rng.choices(window, weights=range(1, len(window) + 1))[0]

    def _new_person(self) -> str:
        while True:
            stem = "".join(self._rng.choice(_SYLLABLES) for _ in range(self._rng.randint(2, 3)))
            surname = (stem + self._rng.choice(_SUFFIXES)).capitalize()
            if surname not in self._taken:
                self._taken.add(surname)
                if self._rng.random() < 0.3:
                    return f"{self._rng.choice(_FIRST_NAMES)} {surname}"
                return surname


def _cldr_places() -> list[str]:
    """French names of countries and cities from the CLDR data Babel ships (deterministic)."""
    fr = Locale("fr")
    places = {name for code, name in fr.territories.items() if code.isalpha()}
    for zone in get_global("zone_territories"):
        override = fr.time_zones.get(zone, {}).get("city")
        places.add(override or zone.rsplit("/", 1)[-1].replace("_", " "))
    return sorted(p for p in places if p[0].isupper())


def _decimals(raw: str) -> int:
    return len(raw.split(".", 1)[1]) if "." in raw else 0
