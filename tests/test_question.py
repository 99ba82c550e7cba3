"""Question analysis and sentence splitting: the two steps before any scoring."""

from __future__ import annotations

import pytest

from index.analysis import analyzer_for
from search.ask._question import DATE, NAME, NUMBER, OTHER, PLACE, REASON, analyze
from search.ask._sentences import split
from search.engine import Word
from search.engine._query import words

_ANALYZERS = {field: analyzer_for(field) for field in ("plain", "fr", "en")}


def _words(text: str) -> list[Word]:
    return words(text, _ANALYZERS)


@pytest.mark.parametrize(
    ("question", "lang", "kind", "focus", "content"),
    [
        pytest.param(
            "Quand le traité est-il entré en vigueur ?",
            "fr",
            DATE,
            None,
            ["traite", "entre", "vigueur"],
            id="quand",
        ),
        pytest.param(
            "Depuis quand Asahi possède-t-il Pilsner Urquell ?",
            "fr",
            DATE,
            None,
            ["asahi", "possede", "pilsner", "urquell"],
            id="depuis-quand",
        ),
        pytest.param(
            "Combien de stations la ligne D desservira-t-elle ?",
            "fr",
            NUMBER,
            "station",
            ["stations", "ligne", "desservira"],
            id="combien-de",
        ),
        pytest.param(
            "Qui est le maire de Prague ?", "fr", NAME, None, ["maire", "prague"], id="qui"
        ),
        pytest.param(
            "Où seront acheminés les déblais ?",
            "fr",
            PLACE,
            None,
            ["achemines", "deblais"],
            id="ou-accent",
        ),
        pytest.param(
            "Pourquoi faut-il congeler le sol ?",
            "fr",
            REASON,
            None,
            ["faut", "congeler", "sol"],
            id="pourquoi",
        ),
        pytest.param(
            "Quelle ville étudie un tunnel ?",
            "fr",
            PLACE,
            "ville",
            ["ville", "etudie", "tunnel"],
            id="quelle-ville",
        ),
        pytest.param(
            "Quelle est la longueur de la ligne D ?",
            "fr",
            NUMBER,
            "longueur",
            ["longueur", "ligne"],
            id="quelle-longueur",
        ),
        pytest.param(
            "Quel traité Moscou et Pyongyang ont-ils signé ?",
            "fr",
            OTHER,
            "traite",
            ["traite", "moscou", "pyongyang", "signe"],
            id="quel-x",
        ),
        pytest.param(
            "When will parliament vote?", "en", DATE, None, ["parliament", "vote"], id="when"
        ),
        pytest.param(
            "How many tonnes of hops were picked?",
            "en",
            NUMBER,
            "tonne",
            ["tonnes", "hops", "picked"],
            id="how-many",
        ),
        pytest.param("Who chairs the union?", "en", NAME, None, ["chairs", "union"], id="who"),
        pytest.param(
            "Where is the main hop market?",
            "en",
            PLACE,
            None,
            ["main", "hop", "market"],
            id="where",
        ),
        pytest.param(
            "Why was the harvest small?", "en", REASON, None, ["harvest", "small"], id="why"
        ),
        pytest.param(
            "Which countries buy Czech hops?",
            "en",
            PLACE,
            "country",
            ["countries", "buy", "czech", "hops"],
            id="which-plural",
        ),
        pytest.param(
            "Which hop variety was hit hardest?",
            "en",
            OTHER,
            "variety",
            ["hop", "variety", "hit", "hardest"],
            id="which-head-last",
        ),
        pytest.param(
            "À quelle fréquence passeront les rames ?",
            "fr",
            NUMBER,
            "frequence",
            ["frequence", "passeront", "rames"],
            id="a-quelle-frequence",
        ),
        pytest.param(
            "How quickly did wages rise?",
            "en",
            NUMBER,
            None,
            ["quickly", "wages", "rise"],
            id="how-quickly",
        ),
        pytest.param(
            "Quel institut a mesuré l'opinion ?",
            "fr",
            NAME,
            "institut",
            ["institut", "mesure", "opinion"],
            id="quel-institut",
        ),
        pytest.param(
            "Combien de salariés profiteront de la dérogation ?",
            "fr",
            NUMBER,
            "salarie",
            ["salaries", "profiteront", "derogation"],
            id="french-plural-in-ies",
        ),
    ],
)
def test_question_analysis(
    question: str, lang: str, kind: str, focus: str | None, content: list[str]
) -> None:
    analysed = analyze(question, _words)
    assert (analysed.lang, analysed.kind, analysed.focus) == (lang, kind, focus)
    assert [w.plain for w in analysed.words] == content


def test_a_name_of_several_words_is_one_group() -> None:
    analysed = analyze("Who chairs the Czech Hop Growers Union?", _words)
    assert analysed.groups == ((0,), (1, 2, 3, 4))
    assert analysed.names == {"czech", "hop", "growers", "union"}


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        pytest.param(
            "Le coût atteint 2,9 milliards d’euros. La mairie proteste.",
            ["Le coût atteint 2,9 milliards d’euros.", "La mairie proteste."],
            id="decimal-comma",
        ),
        pytest.param(
            "M. Dupont et Mme Martin sont arrivés. Ils repartent.",
            ["M. Dupont et Mme Martin sont arrivés.", "Ils repartent."],
            id="fr-abbreviations",
        ),
        pytest.param(
            "« Pourquoi ? » demande-t-il. Personne ne répond.",
            ["« Pourquoi ? » demande-t-il.", "Personne ne répond."],
            id="question-in-quotes",
        ),
        pytest.param(
            "Il a dit : « Non. Jamais. » Puis il est parti.",
            ["Il a dit : « Non. Jamais. »", "Puis il est parti."],
            id="sentences-in-quotes",
        ),
        pytest.param(
            "Rome fut fondée en 753 av. J.-C. selon la légende. Fin.",
            ["Rome fut fondée en 753 av. J.-C. selon la légende.", "Fin."],
            id="dotted-initials",
        ),
        pytest.param(
            "The U.S. Senate voted 3.5 times. Dr. Smith agreed!",
            ["The U.S. Senate voted 3.5 times.", "Dr. Smith agreed!"],
            id="en-abbreviations",
        ),
        pytest.param(
            "Un « guillemet jamais fermé. Deuxième phrase.",
            ["Un « guillemet jamais fermé.", "Deuxième phrase."],
            id="unclosed-quote",
        ),
        pytest.param("", [], id="empty"),
    ],
)
def test_sentences(text: str, sentences: list[str]) -> None:
    assert [text[a:b] for a, b in split(text)] == sentences
