"""Closed lists of the campaign records (canal, thème, public, statut), read leniently.

A code or its French label is accepted whatever the accents, case, separators and
plural (``"Événement"``, ``"evenement"``, ``"Élus"``), plus a few spellings met in real
files (``"Insta"``, ``"tik tok"``). Anything else raises ``ValueInvalid`` naming the
accepted values.
"""

from __future__ import annotations

from influ_geo import schema
from influ_geo.sources import values as v

# Spellings met in real files besides the codes and labels of the schema.
_ALIASES: dict[str, dict[str, str]] = {
    "canal": {"linked in": "linkedin", "tik tok": "tiktok", "insta": "instagram",
              "ig": "instagram", "you tube": "youtube", "yt": "youtube", "press": "presse",
              "media": "presse", "event": "evenement", "evenementiel": "evenement",
              "workshop": "atelier", "other": "autre"},
    "theme": {"nouvel imaginaire": "imaginaire", "imaginaire industriel": "imaginaire",
              "diversite": "inclusion", "inclusion diversite": "inclusion",
              "industrie responsable": "responsable", "circulaire": "responsable",
              "savoir faire": "savoir_faire", "mobilisations territoriales": "territoires",
              "territoire": "territoires"},
    "public_cible": {"tout public": "grand_public", "general public": "grand_public",
                     "young": "jeunes", "jeune public": "jeunes",
                     "chercheurs d emploi": "demandeurs_emploi",
                     "parents d eleves": "parents", "decideurs": "dirigeants",
                     "chefs d entreprise": "dirigeants", "professeurs": "enseignants",
                     "presse": "medias", "journalistes": "medias"},
    "statut": {"fait": "realisee", "publie": "realisee", "done": "realisee",
               "a venir": "prevue", "planifie": "prevue", "planned": "prevue"},
}
ENUMS: dict[str, dict[str, str]] = {
    "canal": schema.CANAUX, "theme": schema.THEMES, "public_cible": schema.PUBLICS,
    "statut": schema.STATUTS_ACTION,
}
_FIELD_LABELS = {"canal": "canal", "theme": "thème", "public_cible": "public cible",
                 "statut": "statut"}
def enum_key(value: object) -> str:
    """Key tolerant of accents, case, separators and plurals: ``"Élus"`` ⇒ ``"elu"``."""
    words = v.simple_key(value).split()
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words)


def _lookup(field: str) -> dict[str, str]:
    """Every accepted spelling of ``field`` (code, label, alias) by ``enum_key``."""
    table: dict[str, str] = {}
    for code, label in ENUMS[field].items():
        table[enum_key(code)] = table[enum_key(label)] = code
    for alias, code in _ALIASES.get(field, {}).items():
        table[enum_key(alias)] = code
    return table


LOOKUPS: dict[str, dict[str, str]] = {field: _lookup(field) for field in ENUMS}


def enum_code(field: str, value: object) -> str | None:
    """The code of an enumeration value; ``None`` when empty; raises when unknown.

    ``enum_code("theme", "Savoir-faire et produits du tissu industriel")`` ⇒ ``"savoir_faire"``;
    ``enum_code("canal", "fax")`` ⇒ ``ValueInvalid("canal « fax » inconnu ; valeurs
    acceptées : linkedin, tiktok, …")``.
    """
    text = v.clean_text(value)
    if text is None:
        return None
    code = LOOKUPS[field].get(enum_key(text))
    if code is None:
        accepted = ", ".join(ENUMS[field])
        raise v.ValueInvalid(f"{_FIELD_LABELS[field]} « {text} » inconnu ; valeurs acceptées : "
                             f"{accepted} (ou leur intitulé en clair)")
    return code


