"""What users type: the keystroke mix and the question mix, identical at every size.

The keystroke mix is what a search-as-you-type box sends: every prefix of real words as
typed (`K`, `Ko`, … `Koursk`, `Koursk d`, …), complete multiword queries, and typos. It
is the same list at every size so the columns of the table compare; names that the
generator introduces only on later days simply find nothing in the smallest indexes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Keystroke", "keystrokes", "questions"]

# Phrases typed one key at a time: words of the sample article and the rate table.
TYPED = (
    "Koursk déployés",
    "Pyongyang sanctions",
    "Corée du Nord",
    "missiles balistiques",
    "Poutine Kim",
    "dollar",
    "franc suisse",
    "AEX",
    "obus d’artillerie",
    "Conseil de sécurité",
    "Extrême-Orient russe",
    "péninsule",
)
# Complete queries of two words or more, as pasted or typed fast.
MULTIWORD = (
    "Moscou Pyongyang",
    "sanctions ONU",
    "guerre Ukraine",
    "aide létale Ukraine",
    "travailleurs nord-coréens",
    "liaisons ferroviaires Moscou",
    "traité de défense",
    "images satellites",
    "Japon Corée du Sud",
    "programme spatial",
    "taux dollar",
    "yen japonais",
    "livre sterling",
    "Vladimir Poutine",
    "Kim Jong-un",
    "dirham Émirats",
    "puissance de feu",
    "chaînes d’alerte",
    "couronne tchèque",
    "convois maritimes Rajin",
    "guerre froide",
    "véhicule blindé Aurus",
    "mécanismes de vérification",
    "munitions russes",
    "deployes Russie",
    "coeur basculement",
    "garanties politiques",
    "Séoul Tokyo Washington",
    "pétrole plafonds",
    "Conseil sécurité mandat",
)
# One typo each (a letter dropped, added, changed, or two swapped), some in a phrase.
TYPOS = (
    "Kursk",
    "sanctoins",
    "Pyongyand",
    "balistiqeus",
    "Ukriane",
    "Poutnie",
    "misiles",
    "Séuol",
    "Washigton",
    "ferrovaires",
    "intercetpions",
    "Koursk sanctoins",
    "Corée du Nrod",
    "artilerie",
    "diplomatiqeus",
    "nucléiare",
    "Pékni",
    "coopératoin",
    "Moscuo Pyongyang",
    "roquetes",
)
SMOKE_TYPED, SMOKE_MULTIWORD, SMOKE_TYPOS = TYPED[:1], MULTIWORD[:3], TYPOS[:2]
NAMES_TYPED = 3  # generated names typed key by key, the earliest the corpus introduced


@dataclass(frozen=True)
class Keystroke:
    """One query of the mix and the kind of work it stands for."""

    text: str
    category: str  # "prefix 1-2", "prefix 3+", "multiword" or "typo"


def keystrokes(names: Sequence[str], *, smoke: bool = False) -> list[Keystroke]:
    """The keystroke mix: typed phrases (and generated `names`), multiword, typos."""
    typed = SMOKE_TYPED if smoke else (*TYPED, *names[:NAMES_TYPED])
    mix = [state for phrase in typed for state in _as_typed(phrase)]
    mix += [Keystroke(text, "multiword") for text in (SMOKE_MULTIWORD if smoke else MULTIWORD)]
    mix += [Keystroke(text, "typo") for text in (SMOKE_TYPOS if smoke else TYPOS)]
    return mix


def _as_typed(phrase: str) -> list[Keystroke]:
    states = []
    for end in range(1, len(phrase) + 1):
        text = phrase[:end]
        # A trailing space or apostrophe sends the same words as the key before it.
        if text[-1] in " ’'-":
            continue
        last = text.split()[-1]
        states.append(Keystroke(text, "prefix 1-2" if len(last) <= 2 else "prefix 3+"))
    return states


# Questions a reader asks of the page, about the article and about the tables.
QUESTIONS = (
    "Où les soldats nord-coréens ont-ils été déployés ?",
    "Qui a offert un véhicule blindé à Kim ?",
    "Quand le traité est-il entré en vigueur ?",
    "Que livre Moscou à la Corée du Nord ?",
    "Quel mandat la Russie a-t-elle arrêté à l’ONU ?",
    "Que fournit la Corée du Nord à la Russie ?",
    "Quelle est la position de Pékin ?",
    "Que fait le Japon face à la menace ?",
    "Quel site de lancement est modernisé ?",
    "Par où passent les convois maritimes ?",
    "Qu’a fait la Corée du Sud ?",
    "Quels sont les trois plans du changement ?",
    "Quel est le taux du dollar américain ?",
    "Combien vaut un euro en yens ?",
    "Quel est le cours du franc suisse ?",
    "Combien de couronnes tchèques pour un euro ?",
    "Quel est le taux de la livre sterling ?",
    "Combien vaut le rouble ?",
    "Quel est le taux du won sud-coréen ?",
    "Quel est le niveau de l’AEX ?",
    "De combien a varié le BEL20 ?",
    "Quel indice a le plus baissé ?",
    "Le PSI20 est-il en hausse ?",
    "What is the rate of the British pound?",
    "How much is one euro in Swiss francs?",
    "Where were North Korean troops deployed?",
    "What did Putin give Kim?",
    "How did the AEX move?",
    "What is the level of the ISEQ?",
    "Who condemns the alliance?",
)
SMOKE_QUESTIONS = QUESTIONS[:3]


def questions(*, smoke: bool = False) -> tuple[str, ...]:
    """The question mix for `ask`."""
    return SMOKE_QUESTIONS if smoke else QUESTIONS
