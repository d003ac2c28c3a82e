"""influ_geo: territorial map of the industrial mobilisations of Les Influstriels."""

__version__ = "0.1.0"
