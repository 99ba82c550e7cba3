"""Read one snapshot file into a `Snapshot`.

The parser keys on the shapes of lines, never on counts or positions: a page may lose a
currency or its whole ticker, carry an English article, end lines in CRLF, start with a
BOM or use NBSP, and still parse.
"""

from __future__ import annotations

import codecs
import datetime as dt
import errno
import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SnapshotError
from .model import Quote, Rate, Snapshot

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_DOCUMENTS",
    "MAX_PARAGRAPH_CHARS",
    "number",
    "parse_snapshot",
    "read_file",
    "read_snapshot",
    "snapshot_date",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# A page's article has paragraphs of a few hundred characters, tens of them. Highlighting
# and answering analyse a hit's whole text, so one huge document made every search that
# touched it pay (a 9.9 MB paragraph took 33 s a query): a longer paragraph is indexed as
# pieces, and a page of more documents than this is refused.
MAX_PARAGRAPH_CHARS = 20_000
MAX_DOCUMENTS = 5_000

# The lookbehind lets the separator start only where a run of spaces starts, and the
# possessive `\s++` never gives spaces back: without both, a long run of spaces in a first
# line costs quadratic time (16,000 spaces took 2 s, a 20 MB line would take days).
_TITLE = re.compile(r"^(?P<site>\S.*?)(?<=\S)\s++[-–—]\s++(?P<headline>\S.*)$")
_BASE = re.compile(r"^(?P<code>[A-Z]{3})\s*[-–—]$")
_RATE = re.compile(r"^(?P<code>[A-Z]{3})\s+(?P<value>\d+(?:[.,]\d+)?)$")
_BULLET = re.compile(r"^[•·▪‣*]\s*(?P<name>\S.{0,39})$")
_NUMBER = re.compile(r"^[+\-−]?\d+(?:[.,]\d+)?%?$")
_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# Spaces a news page uses inside a line: NBSP, narrow NBSP, figure space, thin space.
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " "})
# Control characters other than tab and newline become spaces: ESC and CSI would reach a
# terminal through any printer (rich's Text strips only BEL, BS, VT, FF and CR), and a page
# has no use for them.
_CONTROLS = {c: " " for c in [*range(0x20), *range(0x7F, 0xA0)] if chr(c) not in "\t\n"}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def read_snapshot(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Snapshot:
    """Read and parse the snapshot file at `path`; raise `SnapshotError` naming it."""
    data, mtime = read_file(path, max_bytes=max_bytes)
    return parse_snapshot(data, path=str(path), mtime=mtime)


def read_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[bytes, float]:
    """The bytes and modification time of a regular file, refusing one over `max_bytes`."""
    name = str(path)
    try:
        # O_NONBLOCK: opening a FIFO would otherwise wait for a writer for ever. It changes
        # nothing for a regular file, and anything else is refused below.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        broken = path.is_symlink()
        raise SnapshotError(name, "broken symbolic link" if broken else "no such file") from None
    except OSError as exc:
        raise SnapshotError(name, _os_reason(exc)) from None
    with os.fdopen(fd, "rb") as handle:
        try:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                raise SnapshotError(name, "is a folder, not a file")
            if not stat.S_ISREG(info.st_mode):
                raise SnapshotError(name, f"not a regular file ({_kind(info.st_mode)})")
            if info.st_size > max_bytes:
                raise SnapshotError(name, _too_big(info.st_size, max_bytes))
            # One byte more than allowed: a file that grows while it is read is caught too.
            data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise SnapshotError(name, _os_reason(exc)) from None
    if len(data) > max_bytes:
        raise SnapshotError(name, _too_big(len(data), max_bytes))
    return data, info.st_mtime


def _too_big(size: int, max_bytes: int) -> str:
    return (
        f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB limit "
        "(raise it with --max-size)"
    )


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, IsADirectoryError):
        return "is a folder, not a file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    return f"cannot read: {exc.strerror or exc}"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "an unknown kind"


def parse_snapshot(data: bytes, *, path: str, mtime: float | None = None) -> Snapshot:
    """Parse the bytes of a snapshot page; `path` gives its id and, if dated, its date."""
    if not data.strip():
        raise SnapshotError(path, "empty file")
    lines = _normalise(_decode(data, path)).split("\n")
    page = _Page()
    for number, line in enumerate(lines, 1):
        page.feed(line.strip(), number)
    page.close()
    title = _TITLE.match(page.title)
    if title is None:
        raise SnapshotError(path, "not a snapshot: the first line is not 'Site - Headline'")
    if not (page.paragraphs or page.rates or page.quotes):
        raise SnapshotError(path, "not a snapshot: no rates, ticker or article found")
    headline = title["headline"]
    paragraphs, starts = page.paragraphs, page.starts
    if paragraphs and _same_text(paragraphs[0], headline):
        # the article repeats the headline above its text
        paragraphs, starts = paragraphs[1:], starts[1:]
    paragraphs, starts = _pieces(paragraphs, starts)
    _check_size(path, len(paragraphs) + len(page.rates) + len(page.quotes) + 1)
    return Snapshot(
        id=Path(path).stem,
        date=snapshot_date(Path(path).name, mtime),
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        site=title["site"],
        headline=headline,
        base=page.base,
        rates=tuple(page.rates),
        quotes=tuple(q.build() for q in page.quotes),
        paragraphs=tuple(paragraphs),
        lines=tuple(starts),
    )


def _pieces(paragraphs: list[str], starts: list[int]) -> tuple[list[str], list[int]]:
    """Paragraphs longer than `MAX_PARAGRAPH_CHARS` cut at spaces into pieces that are not;
    each piece keeps the line its paragraph starts on."""
    pieces, lines = [], []
    for paragraph, start in zip(paragraphs, starts, strict=True):
        while len(paragraph) > MAX_PARAGRAPH_CHARS:
            cut = paragraph.rfind(" ", 0, MAX_PARAGRAPH_CHARS + 1)
            cut = cut if cut > 0 else MAX_PARAGRAPH_CHARS
            pieces.append(paragraph[:cut])
            lines.append(start)
            paragraph = paragraph[cut:].lstrip()
        pieces.append(paragraph)
        lines.append(start)
    return pieces, lines


def _check_size(path: str, documents: int) -> None:
    """Refuse a page with more documents than a news page holds."""
    if documents > MAX_DOCUMENTS:
        raise SnapshotError(
            path,
            f"{documents:,} documents (paragraphs, rates, quotes), over the {MAX_DOCUMENTS:,} "
            "a snapshot may have; is this a news page?",
        )


def snapshot_date(filename: str, mtime: float | None) -> dt.date:
    """The `YYYY-MM-DD` in a file name, else the date of `mtime`, else today."""
    for match in _DATE_IN_NAME.finditer(filename):
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            continue
    if mtime is not None:
        return dt.date.fromtimestamp(mtime)
    return dt.date.today()


def _decode(data: bytes, path: str) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                raise SnapshotError(path, f"not valid {encoding.upper()} text") from None
    if b"\x00" in data:
        raise SnapshotError(path, "binary file (NUL bytes), not a text snapshot")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start]
        raise SnapshotError(
            path,
            f"not UTF-8 text (byte 0x{bad:02x} at offset {exc.start}); save it as UTF-8",
        ) from None
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f")
    if controls > len(text) // 100:
        raise SnapshotError(path, "binary content (control characters), not a text snapshot")
    return text


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text.lstrip("\ufeff"))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    return text.translate(_SPACES).translate(_CONTROLS)


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def number(raw: str) -> float:
    """A number as the page prints it (`25,12`, `−0.4%`) as a float."""
    return float(raw.rstrip("%").replace(",", ".").replace("−", "-"))


@dataclass
class _QuoteLines:
    name: str
    numbers: list[str] = field(default_factory=list)

    def build(self) -> Quote:
        percent = next((n for n in self.numbers if n.endswith("%")), None)
        plain = [n for n in self.numbers if not n.endswith("%")]
        # The page prints change, level, percent; a lone number can only be the level.
        change = plain[0] if len(plain) >= 2 else None
        level = plain[1] if len(plain) >= 2 else (plain[0] if plain else None)
        return Quote(
            name=self.name,
            level=number(level) if level else None,
            change=number(change) if change else None,
            percent=number(percent) if percent else None,
            raw=tuple(self.numbers),
        )


@dataclass
class _Page:
    """Line-by-line state of the parse: each line is taken by the first shape it fits."""

    title: str = ""
    base: str | None = None
    rates: list[Rate] = field(default_factory=list)
    quotes: list[_QuoteLines] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)  # the line each paragraph starts on
    _block: list[str] = field(default_factory=list)
    _quote: _QuoteLines | None = None

    def feed(self, line: str, number: int = 0) -> None:
        if not line:
            self._end_block()
        elif not self.title:
            self.title = line
        elif self._block:
            self._block.append(line)  # inside a paragraph every line is text
        elif self._table_line(line):
            return
        else:
            self._quote = None
            self._block.append(line)
            self.starts.append(number)

    def close(self) -> None:
        self._end_block()

    def _table_line(self, line: str) -> bool:
        if base := _BASE.match(line):
            self.base, self._quote = base["code"], None
        elif rate := _RATE.match(line):
            self.rates.append(Rate(rate["code"], number(rate["value"]), rate["value"]))
            self._quote = None
        elif bullet := _BULLET.match(line):
            self._quote = _QuoteLines(bullet["name"])
            self.quotes.append(self._quote)
        elif self._quote is not None and len(self._quote.numbers) < 3 and _NUMBER.match(line):
            self._quote.numbers.append(line)
        else:
            return False
        return True

    def _end_block(self) -> None:
        if self._block:
            self.paragraphs.append(" ".join(" ".join(self._block).split()))
            self._block = []
