"""Language detection of article paragraphs with one private, seeded langdetect factory.

langdetect's module-level factory loads its profiles on first use without a lock, and
guesses wildly on short strings: this module loads only the languages the analysis
supports, once, behind a lock, and leaves short text undetected.
"""

from __future__ import annotations

import functools
import threading
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .analysis import LANGUAGES

if TYPE_CHECKING:
    from langdetect.detector_factory import DetectorFactory

__all__ = ["MIN_CHARS", "detect", "dominant", "init"]

MIN_CHARS = 50  # below this langdetect's guesses are noise

_factory: DetectorFactory | None = None
_lock = threading.Lock()


def init() -> None:
    """Load the profiles; call before starting threads that detect."""
    global _factory
    # Imported here: only builds detect, and a query process should not pay for it.
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    with _lock:
        if _factory is not None:
            return
        factory = DetectorFactory()
        factory.set_seed(0)
        profiles = [(Path(PROFILES_DIRECTORY) / lang).read_text("utf-8") for lang in LANGUAGES]
        factory.load_json_profile(profiles)
        _factory = factory


@functools.lru_cache(maxsize=4096)
def detect(text: str) -> str | None:
    """The language of `text` among `LANGUAGES`, or None when it is too short to tell.

    Cached: daily pages repeat paragraphs, and the seeded factory gives one text one answer.
    """
    from langdetect.lang_detect_exception import LangDetectException

    if len(text) < MIN_CHARS:
        return None
    if _factory is None:
        init()
    assert _factory is not None
    detector = _factory.create()
    detector.append(text)
    try:
        lang: str = detector.detect()
    except LangDetectException:  # no letters at all
        return None
    return lang


def dominant(langs: Iterable[str | None]) -> str | None:
    """The most common detected language, or None when none was detected."""
    counts = Counter(lang for lang in langs if lang)
    return counts.most_common(1)[0][0] if counts else None
