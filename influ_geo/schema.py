"""The canonical schema: every table of the store as plain data, with French labels.

Importers rename raw columns into these names once; the store, the indicators, the
README glossary and the UI read them from here. Codes (``code_insee``, ``siret``,
``code_departement``…) are always ``str``: ``"01001"``, ``"2A004"``, ``"97411"``.

Dtypes are the five of ``DTYPES``: ``str`` (a short code or name), ``text`` (free
text), ``int`` (nullable integer, pandas ``Int64``), ``float`` and ``datetime`` (naive,
the local wall-clock time of the place: an event at 10:00 in La Réunion is stored as
10:00).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DTYPES = ("str", "text", "int", "float", "datetime")


@dataclass(frozen=True)
class Column:
    """One canonical column: ``Column("code_insee", "str", False, "Code INSEE de la commune")``."""

    name: str
    dtype: str
    required: bool
    label: str


def _col(name: str, dtype: str, label: str, required: bool = False) -> Column:
    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r} for {name}")
    return Column(name, dtype, required, label)


# ---------------------------------------------------------------- enumerations

THEMES: dict[str, str] = {
    "imaginaire": "Accélérer l'émergence d'un nouvel imaginaire autour de l'industrie",
    "inclusion": "Inclusion et diversité",
    "responsable": "Industrie responsable et circulaire",
    "savoir_faire": "Savoir-faire et produits du tissu industriel",
    "territoires": "Mobilisations territoriales dans leur diversité",
}

CANAUX: dict[str, str] = {
    "linkedin": "LinkedIn",
    "tiktok": "TikTok",
    "instagram": "Instagram",
    "youtube": "YouTube",
    "presse": "Presse",
    "evenement": "Événement",
    "atelier": "Atelier",
    "autre": "Autre",
}

PUBLICS: dict[str, str] = {
    "grand_public": "Grand public",
    "parents": "Parents",
    "jeunes": "Jeunes",
    "lyceens": "Lycéens",
    "etudiants": "Étudiants",
    "dirigeants": "Dirigeants",
    "salaries": "Salariés",
    "demandeurs_emploi": "Demandeurs d'emploi",
    "enseignants": "Enseignants",
    "elus": "Élus",
    "medias": "Médias",
    "autre": "Autre",
}

# An action is planned ("Je relaie" on an upcoming event) or done.
STATUTS_ACTION: dict[str, str] = {"prevue": "Prévue", "realisee": "Réalisée"}

# The territorial level an action is attached to (the most precise one known).
NIVEAUX_TERRITOIRE: dict[str, str] = {
    "commune": "Commune",
    "departement": "Département",
    "region": "Région",
    "national": "National",
}

# How a row was placed (same codes as the geocoding chain), most precise first.
GEO_PRECISIONS: dict[str, str] = {
    "source": "Coordonnées du fichier",
    "housenumber": "Adresse (numéro)",
    "street": "Adresse (voie)",
    "locality": "Lieu-dit",
    "municipality": "Commune",
    "departement": "Département",
    "region": "Région",
    "failed": "Non géocodé",
}

# The import kinds: one store table each (the import log is ``imports``).
KINDS = ("sites", "events", "actions", "membres", "territoires_industrie")


# ---------------------------------------------------------------- columns

def _location(*, with_score: bool = True) -> tuple[Column, ...]:
    """The columns the geocoding chain and the locator add to every located row."""
    cols = [
        _col("lon", "float", "Longitude WGS84"),
        _col("lat", "float", "Latitude WGS84"),
        _col("code_insee", "str", "Code INSEE de la commune"),
        _col("commune_nom", "str", "Nom officiel de la commune"),
        _col("code_departement", "str", "Code du département"),
        _col("code_region", "str", "Code de la région"),
        _col("siren_epci", "str", "SIREN de l'intercommunalité (EPCI)"),
        _col("id_ti", "str", "Identifiant du Territoire d'industrie"),
        _col("geo_precision", "str", "Précision du placement"),
    ]
    if with_score:
        cols.append(_col("geo_score", "float", "Confiance du placement (0 à 1)"))
    cols.append(_col("geo_note", "text", "Remarque sur le placement"))
    return tuple(cols)


_ID = _col("id", "int", "Identifiant interne")
_IMPORT_ID = _col("import_id", "int", "Import d'origine (journal des imports)")
_SOURCE = _col("source", "str", "Source des données", required=True)

SITES: tuple[Column, ...] = (
    _ID,
    _SOURCE,
    _col("source_id", "str", "Identifiant dans la source (SIRET, code AIOT, n° IREP)"),
    _col("siret", "str", "SIRET de l'établissement (14 chiffres)"),
    _col("code_aiot", "str", "Code AIOT de l'installation classée (ICPE)"),
    _col("nom", "str", "Nom de l'établissement", required=True),
    _col("enseigne", "str", "Enseigne"),
    _col("naf", "str", "Code NAF rév. 2 (« 25.62A »)"),
    _col("naf_division", "str", "Division NAF (2 chiffres, 10 à 33 pour l'industrie)"),
    _col("naf_libelle", "str", "Libellé de l'activité NAF"),
    _col("tranche_effectifs", "str", "Tranche d'effectifs salariés (code INSEE)"),
    _col("effectifs_libelle", "str", "Tranche d'effectifs en clair"),
    _col("effectif_estime", "int", "Effectif estimé (milieu de tranche)"),
    _col("regime", "str", "Régime ICPE (autorisation, enregistrement, déclaration)"),
    _col("seveso", "str", "Statut Seveso (seuil haut, seuil bas, non Seveso)"),
    _col("adresse", "text", "Adresse"),
    _col("code_postal", "str", "Code postal"),
    _col("commune", "str", "Commune telle qu'écrite dans la source"),
    *_location(),
    _col("url", "text", "Lien vers la fiche de la source"),
    _col("date_maj", "datetime", "Date de mise à jour dans la source"),
    _IMPORT_ID,
)

EVENTS: tuple[Column, ...] = (
    _ID,
    _SOURCE,
    _col("source_id", "str", "Identifiant dans la source (uid OpenAgenda…)"),
    _col("titre", "text", "Titre de l'événement", required=True),
    _col("description", "text", "Description"),
    _col("date_debut", "datetime", "Début", required=True),
    _col("date_fin", "datetime", "Fin"),
    _col("lieu", "text", "Lieu"),
    _col("adresse", "text", "Adresse"),
    _col("code_postal", "str", "Code postal"),
    _col("commune", "str", "Commune telle qu'écrite dans la source"),
    _col("url", "text", "Lien vers l'événement"),
    _col("organisateur", "text", "Organisateur"),
    _col("type", "str", "Type d'événement (salon, portes ouvertes, forum…)"),
    _col("public", "str", "Public visé"),
    *_location(),
    _IMPORT_ID,
)

ACTIONS: tuple[Column, ...] = (
    _ID,
    _col("source", "str", "Origine (fichier importé, saisie, démonstration)", required=True),
    _col("source_id", "str", "Identifiant de l'action dans le fichier d'origine"),
    _col("cle", "str", "Clé d'unicité (identifiant source ou empreinte des champs)"),
    _col("date", "datetime", "Date de l'action", required=True),
    _col("membre", "str", "Membre (pseudonyme)", required=True),
    _col("canal", "str", "Canal (linkedin, tiktok, presse…)", required=True),
    _col("theme", "str", "Thème (un des cinq)", required=True),
    _col("public_cible", "str", "Public visé"),
    _col("statut", "str", "Statut (prévue, réalisée)"),
    _col("evenement_id", "int", "Événement relayé (identifiant interne)"),
    _col("evenement_titre", "text", "Événement relayé (titre)"),
    _col("titre", "text", "Titre de la publication ou de l'action"),
    _col("url", "text", "Lien vers la publication"),
    _col("impressions", "int", "Impressions"),
    _col("reactions", "int", "Réactions"),
    _col("commentaires", "int", "Commentaires"),
    _col("partages", "int", "Partages"),
    _col("campagne", "str", "Campagne (« WorldSkills Lyon 2024 »)"),
    _col("territoire_niveau", "str", "Niveau du territoire (commune, département, région)"),
    *_location(),
    _IMPORT_ID,
)

MEMBRES: tuple[Column, ...] = (
    _ID,
    _SOURCE,
    _col("pseudonyme", "str", "Pseudonyme du membre", required=True),
    _col("code_insee", "str", "Code INSEE de la commune de résidence"),
    _col("commune_nom", "str", "Commune de résidence"),
    _col("code_departement", "str", "Code du département"),
    _col("code_region", "str", "Code de la région"),
    _col("lon", "float", "Longitude du centre de la commune (jamais l'adresse)"),
    _col("lat", "float", "Latitude du centre de la commune"),
    _col("canaux", "str", "Canaux du membre, séparés par des espaces"),
    _col("themes", "str", "Thèmes du membre, séparés par des espaces"),
    _IMPORT_ID,
)

TERRITOIRES_INDUSTRIE: tuple[Column, ...] = (
    _ID,
    _SOURCE,
    _col("code_insee", "str", "Code INSEE de la commune", required=True),
    _col("commune_nom", "str", "Nom de la commune"),
    _col("id_ti", "str", "Identifiant du Territoire d'industrie", required=True),
    _col("lib_ti", "str", "Nom du Territoire d'industrie"),
    _IMPORT_ID,
)

IMPORTS: tuple[Column, ...] = (
    _ID,
    _col("kind", "str", "Type de données importées", required=True),
    _col("source", "str", "Source", required=True),
    _col("file_name", "str", "Fichier"),
    _col("checksum", "str", "Empreinte SHA-256 du fichier", required=True),
    _col("imported_at", "datetime", "Date de l'import", required=True),
    _col("rows_read", "int", "Lignes lues"),
    _col("rows_kept", "int", "Lignes conservées"),
    _col("rows_rejected", "int", "Lignes rejetées"),
    _col("rows_merged", "int", "Doublons fusionnés"),
    _col("rows_inserted", "int", "Lignes ajoutées à la base"),
    _col("rows_updated", "int", "Lignes mises à jour"),
    _col("rows_unchanged", "int", "Lignes déjà présentes à l'identique"),
    _col("rows_deleted", "int", "Lignes retirées (remplacement de la source)"),
    _col("licence", "str", "Licence des données"),
    _col("details", "text", "Détails du rapport (JSON)"),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "sites": SITES,
    "events": EVENTS,
    "actions": ACTIONS,
    "membres": MEMBRES,
    "territoires_industrie": TERRITOIRES_INDUSTRIE,
    "imports": IMPORTS,
}

# French names of the tables, for the UI.
TABLE_LABELS: dict[str, str] = {
    "sites": "Sites industriels",
    "events": "Événements",
    "actions": "Mobilisations",
    "membres": "Membres",
    "territoires_industrie": "Territoires d'industrie",
    "imports": "Journal des imports",
}

# The columns that identify a row across imports: a re-import updates the row.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "sites": ("source", "source_id"),
    "events": ("source", "source_id"),
    "actions": ("cle",),
    "membres": ("pseudonyme",),
    "territoires_industrie": ("code_insee", "id_ti"),
}

# Business fields hashed into an identifier when a row has none of its own
# (sites/events without source_id, actions without source_id). Reach figures and
# free comments are left out so a newer export of the same post updates it.
FINGERPRINT_FIELDS: dict[str, tuple[str, ...]] = {
    "sites": ("siret", "code_aiot", "nom", "adresse", "code_postal", "commune"),
    "events": ("titre", "date_debut", "lieu", "adresse", "code_postal", "commune"),
    "actions": ("date", "membre", "canal", "theme", "titre", "url", "evenement_id"),
}

# Filled by the store, never by an importer.
GENERATED_COLUMNS = ("id", "import_id")

# Closed enumerations checked by the store (column ⇒ accepted codes).
ENUMERATIONS: dict[str, dict[str, dict[str, str]]] = {
    "actions": {
        "canal": CANAUX,
        "theme": THEMES,
        "public_cible": PUBLICS,
        "statut": STATUTS_ACTION,
        "territoire_niveau": NIVEAUX_TERRITOIRE,
        "geo_precision": GEO_PRECISIONS,
    },
    "sites": {"geo_precision": GEO_PRECISIONS},
    "events": {"geo_precision": GEO_PRECISIONS},
}


def columns(kind: str) -> tuple[Column, ...]:
    """The canonical columns of ``kind``: ``columns("membres")[2].name == "pseudonyme"``."""
    try:
        return TABLES[kind]
    except KeyError:
        raise ValueError(f"unknown table {kind!r}; expected one of {tuple(TABLES)}") from None


def column_names(kind: str) -> list[str]:
    """Canonical order: ``column_names("membres")[:3] == ["id", "source", "pseudonyme"]``."""
    return [c.name for c in columns(kind)]


def required_columns(kind: str) -> list[str]:
    """Columns to fill: ``required_columns("events") == ["source", "titre", "date_debut"]``."""
    return [c.name for c in columns(kind) if c.required]


def labels(kind: str) -> dict[str, str]:
    """Column name ⇒ French label for headers: ``labels("sites")["nom"]`` ⇒ ``"Nom de l'…"``."""
    return {c.name: c.label for c in columns(kind)}


def dtypes(kind: str) -> dict[str, str]:
    """Column name ⇒ canonical dtype: ``dtypes("sites")["siret"] == "str"``."""
    return {c.name: c.dtype for c in columns(kind)}


def enumeration_problems(kind: str, record: Mapping[str, object]) -> list[str]:
    """French messages for codes outside their enumeration.

    ``enumeration_problems("actions", {"canal": "fax"})`` ⇒
    ``["canal « fax » inconnu ; valeurs acceptées : linkedin, tiktok, …"]``.
    """
    problems = []
    for name, allowed in ENUMERATIONS.get(kind, {}).items():
        value = record.get(name)
        if value is None or value != value or value in allowed:  # value != value: NaN
            continue
        accepted = ", ".join(allowed)
        problems.append(f"{name} « {value} » inconnu ; valeurs acceptées : {accepted}")
    return problems
