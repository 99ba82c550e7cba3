"""What a question asks: its language, the type of answer it expects, its content words.

Question words in French and English give the expected answer type: `quand`/`when` a
date, `combien`/`how many` a number, `qui`/`who` a name, `où`/`where` a place,
`pourquoi`/`why` a reason. `quel X`/`which X` takes its type from X (`quelle ville` is a
place, `quel montant` a number); otherwise X is kept as the focus of the question.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from index.analysis import stop_words

from ..engine import Word

__all__ = [
    "DATE",
    "NAME",
    "NUMBER",
    "OTHER",
    "PLACE",
    "REASON",
    "Question",
    "analyze",
    "fold",
    "is_function_word",
]

DATE, NUMBER, NAME, PLACE, REASON, OTHER = "date", "number", "name", "place", "reason", "other"

_STOP = {lang: stop_words(lang) for lang in ("fr", "en")}
# Words of questions that carry no content: question words, auxiliaries, pronouns the
# Snowball lists leave out, and words about the page itself.
_QUESTION_WORDS = {
    "fr": frozenset(
        """
        quel quelle quels quelles lequel laquelle lesquels lesquelles combien quand où ou
        pourquoi comment quoi qui que qu est-ce les ils elles cet cette ces dont y a-t-il
        t fait faire font sont ont est été selon article texte snapshot page dit dire
        peut peuvent doit doivent il elle on actuellement aujourd hui depuis
        appelle appellent nomme nomment
        """.split()
    ),
    "en": frozenset(
        """
        what which who whom whose when where why how many much does did do is are was
        were has have had according article text snapshot page say says said tell can
        could would will shall should may might since
        """.split()
    ),
}

# `quel X` / `which X`: the type X stands for (accent-folded, singular).
_FOCUS_TYPES = {
    DATE: "annee date jour mois epoque periode saison year day month time season",
    NUMBER: (
        "nombre montant prix cout taux pourcentage part longueur duree vitesse superficie "
        "population salaire distance age quantite somme budget hauteur taille poids niveau "
        "total frequence masse volume number amount price cost rate percentage share length "
        "duration speed area salary quantity sum height size weight level frequency mass"
    ),
    PLACE: (
        "pays ville region lieu endroit quartier province capitale village port continent "
        "country city town place district capital state"
    ),
    NAME: (
        "personne dirigeant president ministre maire directeur directrice chef responsable "
        "entreprise societe organisation constructeur groupe marque person leader minister "
        "mayor director chief head chairman company firm organisation organization group "
        "brand manufacturer brewery institut institute agence agency"
    ),
}
_FOCUS = {word: kind for kind, words in _FOCUS_TYPES.items() for word in words.split()}

# Leading question phrases, tried in order on the folded question; the first that matches
# earliest in the question wins, so a later relative `qui` does not make it a name question.
_PATTERNS = [
    (REASON, r"pourquoi|pour quelle raison|why|for what reason|how come"),
    (DATE, r"depuis quand|since when|quand|when|what year|which year|what date|a quelle date"),
    (NAME, r"comment s'?appelle|comment se nomme|what is the name|what was the name"),
    (NUMBER, r"combien|how (?:many|much|long|far|big|large|old|fast|quickly|often)|by how much"),
    (NUMBER, r"a quelle (?:vitesse|frequence)|a quel prix|at what (?:speed|price|rate)"),
    (PLACE, r"\bd'?ou\b|where|dans quel(?:le)?s? |in which |in what "),
    (NAME, r"\bqui\b|\bwho\b|\bwhom\b|\bwhose\b"),
    (OTHER, r"\bquel(?:le)?s?\b|\blequel\b|\blaquelle\b|\bwhich\b|\bwhat\b"),
]
_ARTICLES = r"(?:(?:est|sont|etait|sera|is|are|was|were|will be)\s+)?(?:(?:le|la|les|l'|the)\s*)?"
_FOCUS_AFTER = re.compile(
    r"\b(?:quel(?:le)?s?|which|what|combien de|combien d'|how many|how much|comment s'?appelle"
    r"|comment se nomme|the name of)\s+" + _ARTICLES + r"([a-z][a-z-]*)"
    # English puts the head noun last: `which hop variety was…` asks for a variety.
    r"(?:\s+([a-z][a-z-]*)(?=\s+(?:was|is|are|were|did|does|do|has|have|had|will|can)\b))?"
)
_ACCENTS = re.compile(r"[éèêëàâäùûüîïôöç]")


@dataclass(frozen=True)
class Question:
    """A question analysed: expected answer type, focus noun and content words."""

    text: str
    lang: str  # "fr" or "en"
    kind: str  # DATE, NUMBER, NAME, PLACE, REASON or OTHER
    focus: str | None  # the folded noun after `quel`, `which`, `combien de`, `how many`
    words: tuple[Word, ...]  # content words, in question order
    names: frozenset[str]  # plain forms of capitalised content words (proper nouns)
    # Content words that together name one thing (`Czech Hop Growers Union`), by index
    # into `words`; every other word stands alone.
    groups: tuple[tuple[int, ...], ...] = ()


def fold(text: str) -> str:
    """Lower case without accents, typographic apostrophes made plain."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").replace("ʼ", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def analyze(text: str, words: Callable[[str], list[Word]]) -> Question:
    """Analyse `text`; `words` splits text as the index does (`Backend.words`)."""
    lang = detect_lang(text)
    folded = fold(" ".join(text.split()))
    kind, focus = _kind_and_focus(folded, text, lang)
    content = tuple(w for w in words(text) if _is_content(w, lang))
    names = frozenset(w.plain for w in content if _capitalised(w.raw, text))
    return Question(text, lang, kind, focus, content, names, _name_groups(text, content, names))


def _name_groups(
    text: str, content: tuple[Word, ...], names: frozenset[str]
) -> tuple[tuple[int, ...], ...]:
    """Runs of capitalised words written side by side: one name, however many words."""
    groups: list[list[int]] = []
    position = 0
    previous_end = -1
    for index, word in enumerate(content):
        start = text.find(word.raw, position)
        end = start + len(word.raw)
        position = end if start >= 0 else position
        joined = start >= 0 and re.fullmatch(r"[\s\-‑]+", text[previous_end:start] or "x")
        follows = index > 0 and content[index - 1].plain in names
        if word.plain in names and follows and joined:
            groups[-1].append(index)
        else:
            groups.append([index])
        previous_end = end if start >= 0 else previous_end
    return tuple(tuple(g) for g in groups)


def detect_lang(text: str) -> str:
    """ "fr" or "en" by the function words of a (short) question; French on a tie.

    langdetect guesses wildly on a dozen words, so this counts words found in only one
    of the two languages' stop and question word lists instead.
    """
    tokens = re.findall(r"[^\W\d_]+", text.casefold().replace("’", "'"))
    fr = _STOP["fr"] | _QUESTION_WORDS["fr"] | {"vaut", "valent", "taux", "cours"}
    en = _STOP["en"] | _QUESTION_WORDS["en"] | {"worth", "rate", "exchange"}
    score = sum((t in fr) - (t in en) for t in tokens)
    if score == 0:
        return "fr" if _ACCENTS.search(text.casefold()) else "en"
    return "fr" if score > 0 else "en"


def _kind_and_focus(folded: str, text: str, lang: str = "en") -> tuple[str, str | None]:
    found = [
        (match.start(), order, kind)
        for order, (kind, pattern) in enumerate(_PATTERNS)
        if (match := re.search(pattern, folded))
    ]
    where = re.search(r"(?<!\w)où(?!\w)", text.casefold())
    if where:  # `ou` folded is also `or`: only the accented word asks where
        found.append((where.start(), -1, PLACE))
    focus_match = _FOCUS_AFTER.search(folded)
    focus = (focus_match.group(2) or focus_match.group(1)) if focus_match else None
    focus = None if focus is None or is_function_word(focus) else _singular(focus, lang)
    kind = min(found)[2] if found else OTHER
    if kind in (OTHER, NAME, PLACE) and focus in _FOCUS:
        kind = _FOCUS[focus]
    return kind, focus


def is_function_word(word: str) -> bool:
    """A lower-case word that carries no content in French or English questions."""
    return any(word in _STOP[lang] or word in _QUESTION_WORDS[lang] for lang in _STOP)


# French nouns that end in -s, -x or -z in the singular too: never strip their ending.
_INVARIABLE = frozenset(
    "pays prix temps cours corps fois poids mois avis choix repas bus campus virus "
    "processus succes acces progres proces discours recours secours series news".split()
)


def _singular(word: str, lang: str = "en") -> str:
    """The singular of a folded noun: `villes` is `ville`, but `pays` stays `pays`; the
    English `-ies` (`countries`) is no French plural (`salariés` is `salarié`)."""
    if word in _INVARIABLE or word in _FOCUS:
        return word
    if lang == "en" and len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"  # countries
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _is_content(word: Word, lang: str) -> bool:
    lower = word.raw.casefold().replace("’", "'")
    if len(word.plain) < 2 and not word.plain.isdigit():
        return False
    return lower not in _STOP[lang] and lower not in _QUESTION_WORDS[lang]


def _capitalised(raw: str, text: str) -> bool:
    """A word written with a capital somewhere other than the start of the question."""
    if not raw[:1].isupper():
        return False
    return any(m.start() > 0 for m in re.finditer(re.escape(raw), text)) or raw.isupper()
