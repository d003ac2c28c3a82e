"""Words of the demonstration data set: invented site names, event titles, post titles.

Every name of a firm or a person here is invented; members are "Membre démo NN".
Places are real communes of the referential; events are of the kinds the collective
relays (Semaine de l'industrie, open days, job forums, fairs, WorldSkills regional
selections, French Fab Tour).
"""

from __future__ import annotations

# Share of manufacturing sites per NAF division (rough national shape: food and metal
# products first), with two real NAF rév. 2 sub-classes each and a trade word for names.
DIVISIONS: dict[str, tuple[float, tuple[str, ...], tuple[str, ...]]] = {
    "10": (17, ("10.13A", "10.51C", "10.71A"), ("Conserverie", "Fromagerie", "Biscuiterie")),
    "11": (3, ("11.02B", "11.05Z"), ("Distillerie", "Brasserie")),
    "13": (2, ("13.20Z", "13.92Z"), ("Tissage", "Filature")),
    "14": (2, ("14.13Z",), ("Confection",)),
    "15": (1, ("15.20Z",), ("Manufacture de chaussures",)),
    "16": (6, ("16.10A", "16.23Z"), ("Scierie", "Menuiserie industrielle")),
    "17": (2, ("17.21A",), ("Cartonnerie", "Papeterie")),
    "18": (4, ("18.12Z",), ("Imprimerie",)),
    "20": (3, ("20.14Z", "20.59Z"), ("Chimie",)),
    "21": (1, ("21.20Z",), ("Laboratoires",)),
    "22": (5, ("22.29A", "22.19Z"), ("Plasturgie", "Injection plastique")),
    "23": (4, ("23.61Z", "23.13Z"), ("Préfabrication béton", "Verrerie")),
    "24": (2, ("24.10Z", "24.53Z"), ("Aciérie", "Fonderie")),
    "25": (16, ("25.62B", "25.11Z", "25.61Z"),
           ("Mécanique de précision", "Chaudronnerie", "Traitement de surface", "Décolletage")),
    "26": (3, ("26.11Z", "26.51B"), ("Électronique",)),
    "27": (3, ("27.11Z", "27.12Z"), ("Équipements électriques",)),
    "28": (6, ("28.29B", "28.30Z"), ("Machines spéciales", "Machinisme agricole")),
    "29": (3, ("29.32Z",), ("Équipementier automobile",)),
    "30": (2, ("30.30Z", "30.11Z"), ("Aérostructures", "Chantier naval")),
    "31": (3, ("31.09B",), ("Fabrique de meubles",)),
    "32": (4, ("32.50A", "32.12Z"), ("Instruments médicaux", "Bijouterie")),
    "33": (7, ("33.12Z", "33.20C"), ("Maintenance industrielle", "Installation industrielle")),
}

# Invented words used as firm names ("Fonderie Dalvène"), not taken from any register.
FIRM_NAMES = (
    "Arvelle", "Bréval", "Castagnède", "Dalvène", "Estrelle", "Faurac", "Galvert", "Hauterive",
    "Isarde", "Jorvel", "Kerlane", "Lavergnac", "Morvane", "Norbelle", "Orvalis", "Pradelle",
    "Quervic", "Roussac", "Sarvène", "Tavernel", "Urvaux", "Valmondre", "Wastel", "Yzorac",
    "Aubrelle", "Brocéliane", "Corvalis", "Dunevel", "Estagnac", "Fontarel",
)
STREETS = (
    "rue de l'Industrie", "avenue des Forges", "zone industrielle des Grands Champs",
    "rue des Ateliers", "chemin de l'Usine", "zone d'activités du Moulin", "rue Ampère",
    "avenue de l'Europe", "rue Denis-Papin", "impasse des Tisserands", "rue de la Gare",
    "parc d'activités des Acacias",
)

# Headcount bands (INSEE codes) and their weights among manufacturing sites.
TRANCHES = {"00": 5, "01": 12, "02": 12, "03": 12, "11": 17, "12": 17, "21": 9, "22": 7,
            "31": 2, "32": 4, "41": 2, "42": 0.7, "51": 0.3}
REGIMES = {"Autorisation": 1, "Enregistrement": 1.5, "Déclaration": 2.5}

# Départements with a heavy industrial fabric get more sites and events.
INDUSTRIAL_DEPARTEMENTS = frozenset({
    "01", "02", "08", "13", "14", "16", "22", "25", "26", "27", "29", "31", "33", "35", "38",
    "39", "42", "44", "46", "49", "50", "51", "52", "54", "56", "57", "59", "60", "61", "62",
    "63", "67", "68", "69", "71", "72", "74", "76", "77", "78", "80", "85", "88", "90", "91",
    "95",
})

EVENT_TYPES = {  # type code ⇒ weight among events outside the Semaine de l'industrie
    "portes_ouvertes": 26, "forum_emploi": 22, "salon": 13, "visite": 10, "concours": 7,
    "french_fab_tour": 7, "conference": 9, "atelier": 6,
}
# Placeholders: {site}, {commune}, {de_commune} ("du Havre"), {a_commune} ("au Port"),
# {departement}, {region} (without article).
EVENT_TITLES = {
    "semaine_industrie": ("Semaine de l'industrie : {site} ouvre ses portes",
                          "Semaine de l'industrie : visite guidée chez {site}",
                          "Semaine de l'industrie {a_commune} : les métiers en démonstration"),
    "portes_ouvertes": ("Portes ouvertes – {site}", "Usine ouverte : {site} {a_commune}",
                        "Journée portes ouvertes chez {site}"),
    "forum_emploi": ("Forum de l'emploi industriel {de_commune}",
                     "Job dating de l'industrie {a_commune}",
                     "Forum des métiers de l'industrie et de l'alternance – {commune}"),
    "salon": ("Salon de la sous-traitance industrielle {de_commune}",
              "Salon de l'apprentissage et de l'alternance – {commune}",
              "Rencontres industrielles – {departement}"),
    "visite": ("Visite d'entreprise : {site}", "Parcours découverte de l'industrie {a_commune}"),
    "concours": ("WorldSkills : sélections régionales – {region}",),
    "french_fab_tour": ("French Fab Tour : étape {de_commune}",),
    "conference": ("Table ronde : les femmes dans l'industrie {a_commune}",
                   "Conférence : l'industrie responsable et circulaire – {region}",
                   "Soirée des industriels – {departement}"),
    "atelier": ("Atelier découverte des métiers de l'industrie {a_commune}",
                "Atelier « Fabrique ton objet » au fablab {de_commune}"),
}
EVENT_ORGANISERS = {
    "semaine_industrie": "{site}", "portes_ouvertes": "{site}", "visite": "{site}",
    "forum_emploi": "France Travail – agence {de_commune}", "salon": "CCI – {departement}",
    "concours": "WorldSkills France", "french_fab_tour": "Bpifrance – French Fab",
    "conference": "Club des industriels – {departement}",
    "atelier": "Lycée professionnel {de_commune}",
}
EVENT_PLACES = {
    "semaine_industrie": "{site}", "portes_ouvertes": "{site}", "visite": "{site}",
    "forum_emploi": "Salle polyvalente", "salon": "Parc des expositions",
    "concours": "Lycée des métiers", "french_fab_tour": "Place de la mairie",
    "conference": "Hôtel de ville", "atelier": "Fablab municipal",
}
EVENT_PUBLICS = {
    "semaine_industrie": ("grand_public", "parents", "jeunes"),
    "portes_ouvertes": ("grand_public", "parents"), "visite": ("lyceens", "enseignants"),
    "forum_emploi": ("demandeurs_emploi", "etudiants"), "salon": ("dirigeants", "salaries"),
    "concours": ("jeunes", "lyceens"), "french_fab_tour": ("jeunes", "grand_public"),
    "conference": ("elus", "dirigeants"), "atelier": ("lyceens", "enseignants"),
}
EVENT_THEMES = {  # the themes a relay of this kind of event usually carries
    "semaine_industrie": ("imaginaire", "savoir_faire"),
    "portes_ouvertes": ("savoir_faire", "territoires"), "visite": ("savoir_faire",),
    "forum_emploi": ("inclusion", "territoires"), "salon": ("savoir_faire", "responsable"),
    "concours": ("imaginaire", "inclusion"), "french_fab_tour": ("territoires", "imaginaire"),
    "conference": ("responsable", "inclusion"), "atelier": ("imaginaire", "inclusion"),
}
CAMPAIGNS = {"semaine_industrie": "Semaine de l'industrie {year}",
             "concours": "WorldSkills {year}", "french_fab_tour": "French Fab Tour {year}"}

# Posts without an event, by theme.
POST_TITLES = {
    "imaginaire": ("Trois idées reçues sur l'industrie",
                   "Une journée avec une pilote de ligne robotisée",
                   "L'usine de demain ressemble déjà à ça"),
    "inclusion": ("Reconversion : de la vente à la maintenance industrielle",
                  "Pourquoi il faut plus de femmes dans les ateliers",
                  "Apprentie à 17 ans dans une usine {de_commune}"),
    "responsable": ("{region} : ce que font les usines pour l'économie circulaire",
                    "Réparer plutôt que jeter : visite d'un atelier de remanufacturing",
                    "Décarboner une fonderie, concrètement"),
    "savoir_faire": ("{departement} : le savoir-faire d'une chaudronnerie",
                     "Fabriqué {a_commune} : l'histoire d'un objet du quotidien",
                     "Portrait d'un régleur sur commande numérique"),
    "territoires": ("L'industrie recrute {a_commune}",
                    "{departement}, terre d'industrie : pourquoi ça dure",
                    "Les usines qui ouvrent leurs portes près de chez vous"),
}
RELAY_BEFORE = ("J'y serai : {event}", "À ne pas manquer : {event}",
                "Rendez-vous à « {event} »")
RELAY_AFTER = ("Retour sur : {event}", "Ce que j'ai appris à « {event} »",
               "{event} : nos photos")

CHANNEL_WEIGHTS = {"linkedin": 62, "tiktok": 8, "instagram": 9, "youtube": 4, "presse": 5,
                   "evenement": 7, "atelier": 3, "autre": 2}
CHANNEL_PUBLICS = {
    "linkedin": ("parents", "dirigeants", "grand_public", "demandeurs_emploi", "salaries"),
    "tiktok": ("jeunes", "lyceens"), "instagram": ("jeunes", "etudiants", "grand_public"),
    "youtube": ("jeunes", "grand_public"), "presse": ("grand_public", "elus"),
    "evenement": ("grand_public", "jeunes", "parents"), "atelier": ("lyceens", "enseignants"),
    "autre": ("elus", "medias"),
}
# Median impressions of a post and spread (log scale) per social channel.
REACH = {"linkedin": (1500, 0.8), "tiktok": (6000, 1.1), "instagram": (1800, 0.9),
         "youtube": (900, 1.0)}

# Towns whose EPCI forms one demonstration Territoire d'industrie (name, département).
TI_TOWNS = (("Oyonnax", "01"), ("Figeac", "46"), ("Montbéliard", "25"), ("Le Creusot", "71"),
            ("Cholet", "49"), ("Dunkerque", "59"), ("Vitré", "35"), ("Thiers", "63"),
            ("Ajaccio", "2A"), ("Le Port", "974"), ("Saint-Nazaire", "44"), ("Annonay", "07"))
