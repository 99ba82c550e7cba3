"""Words news prose uses for the same thing, so a question in other words still matches.

Small groups of everyday French and English news vocabulary, accent-folded: a question
word counts as found (at `SYNONYM` strength) when the text holds a word of its group.
They are general-purpose, not written for any page of the dev set; a group holds words
that can replace each other in a question about a news story.
"""

from __future__ import annotations

from functools import cache

__all__ = ["SYNONYM", "synonyms"]

SYNONYM = 0.8  # a synonym counts this much of a word found as written

_GROUPS = """
client clients clientele customer customers
voyageur voyageurs passager passagers usager usagers passenger passengers rider riders
spectateur spectateurs assistance audience spectator spectators crowd fans
salarie salaries employe employes travailleur travailleurs employee employees worker workers staff
salaire salaires remuneration paie wage wages salary pay
prix cout couts tarif price prices cost costs fee fare
dirigeant patron chef president pdg directeur directrice leader head boss chief ceo
chairman chairwoman dirigeant president chef head chief leader
entreprise societe firme groupe compagnie company firm business group
ville cite commune city town municipality
maire bourgmestre mayor
gouvernement executif cabinet government administration
depute deputes elu elus parlementaire parlementaires mp mps lawmaker lawmakers legislator
loi texte projet law bill legislation
vote scrutin suffrage suffrages voix ballot votes
greve debrayage strike walkout
debut lancement ouverture start launch opening
fin cloture end
annee an ans year years
mois month months
semaine semaines week weeks
jour jours journee day days
hausse augmentation progression rise increase growth
baisse diminution recul chute fall decline drop decrease
chiffre nombre total number figure
distance longueur trace length distance
vitesse rythme speed pace
duree temps time duration
argent fonds financement subvention money funding funds grant subsidy
budget enveloppe budget
dette deficit debt deficit
pays nation etat country nation state
habitant habitants residents population inhabitants
tribunal cour justice court
ecole universite school university
medecin docteur doctor physician
hopital clinique hospital clinic
voiture auto automobile vehicule car vehicle
train rame rames trains
bateau navire ship boat vessel
avion appareil plane aircraft
gardien portier goalkeeper goalie keeper
entraineur coach selectionneur manager
match rencontre partie game match
but buts goal goals
victoire succes win victory
defaite revers loss defeat
joueur joueurs player players
equipe formation team side squad
chanteuse chanteur soprano singer
piece spectacle representation show performance play
salle auditorium hall venue
musee museum
livre ouvrage book
film movie
mort deces death died
blesse blessure injury injured
arret arrets station stations stop stops
fabrique fabriquent construit construisent builds build built manufactures
paye payer paie financer finance finances financent financed funded funds paid pay
dirige dirigent mene menent preside heads leads chairs
satellite satellites sonde sondes engin engins spacecraft probe probes
trajet trajets traversee parcours voyage trip journey ride
commence commencer debute debuter demarre demarrer lance started began begun start starts
gravats deblais debris rubble
musicien musiciens compositeur compositeurs composer composers musician musicians
prevision previsions outlook forecast forecasts projection projections
hypotheque hypotheques pret prets mortgage mortgages loan loans
sondage sondages enquete poll polls survey surveys
statistique statistiques donnees chiffres statistics data figures
rejette rejettent refuse refusent oppose opposent rejects reject opposes
""".strip().splitlines()


@cache
def _index() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for line in _GROUPS:
        words = set(line.split())
        for word in words:
            found.setdefault(word, set()).update(words - {word})
    return {word: frozenset(others) for word, others in found.items()}


def synonyms(plain: str) -> frozenset[str]:
    """The folded words that can stand for `plain` (itself not included)."""
    return _index().get(plain, frozenset())
