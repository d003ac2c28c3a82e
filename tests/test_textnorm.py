"""Normalisation of commune names, postcodes, INSEE and département codes."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from influ_geo import textnorm
from influ_geo.textnorm import (
    departement_of_code_insee,
    full_name_key,
    name_key,
    normalize_code_insee,
    normalize_departement,
    normalize_postcode,
)


@pytest.mark.parametrize(
    ("written", "key"),
    [
        # articles, wherever La Poste, INSEE or a person put them
        ("Le Havre", "HAVRE"),
        ("LE HAVRE", "HAVRE"),
        ("Havre (Le)", "HAVRE"),
        ("HAVRE (LE)", "HAVRE"),
        ("L'Abergement-Clémenciat", "ABERGEMENT CLEMENCIAT"),
        ("L ABERGEMENT CLEMENCIAT", "ABERGEMENT CLEMENCIAT"),
        ("Abergement-Clémenciat (L')", "ABERGEMENT CLEMENCIAT"),
        ("Les Trois Lacs", "TROIS LACS"),
        ("Pont-l'Abbé", "PONT L ABBE"),  # an inner article stays
        # Saint / Sainte and La Poste's abbreviations
        ("Saint-Étienne-du-Rouvray", "SAINT ETIENNE DU ROUVRAY"),
        ("ST ETIENNE DU ROUVRAY", "SAINT ETIENNE DU ROUVRAY"),
        ("St-Étienne-du-Rouvray", "SAINT ETIENNE DU ROUVRAY"),
        ("STE MARIE", "SAINTE MARIE"),
        ("Sainte-Marie", "SAINTE MARIE"),
        ("Saintes", "SAINTES"),
        ("BAR S/ AUBE", "BAR SUR AUBE"),
        # accents, ligatures, case, hyphens, apostrophes
        ("L'Haÿ-les-Roses", "HAY LES ROSES"),
        ("Œuilly", "OEUILLY"),
        ("bourg-en-bresse", "BOURG EN BRESSE"),
        ("  Fort-de-France  ", "FORT DE FRANCE"),
        ("Côte-d’Aime", "COTE D AIME"),
        # arrondissements belong to their commune
        ("PARIS 08", "PARIS"),
        ("Paris 8e Arrondissement", "PARIS"),
        ("PARIS 16", "PARIS"),
        ("Marseille 1er Arrondissement", "MARSEILLE"),
        ("MARSEILLE 13EME", "MARSEILLE"),
        ("LYON 3EME", "LYON"),
        ("Lyon 3e", "LYON"),
        # CEDEX and postcodes written in the name
        ("BORDEAUX CEDEX", "BORDEAUX"),
        ("PARIS CEDEX 08", "PARIS"),
        ("Montpellier Cedex 2", "MONTPELLIER"),
        ("75008 PARIS", "PARIS"),
        # nothing
        ("", ""),
        (None, ""),
        (math.nan, ""),
    ],
)
def test_name_key(written: object, key: str) -> None:
    assert name_key(written) == key


@pytest.mark.parametrize(
    ("written", "key"),
    [("La Vergne", "LA VERGNE"), ("Vergné", "VERGNE"), ("Havre (Le)", "LE HAVRE"),
     ("L'Abergement-Clémenciat", "L ABERGEMENT CLEMENCIAT")],
)
def test_full_name_key_keeps_the_article(written: str, key: str) -> None:
    assert full_name_key(written) == key
    assert name_key(written) == name_key(key)


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("01000", "01000"),
        ("1000", "01000"),  # lost its leading zero in a spreadsheet
        (1000, "01000"),
        (1000.0, "01000"),
        ("1000.0", "01000"),
        ("75 008", "75008"),
        ("75008 CEDEX", "75008"),
        ("33076 CEDEX 08", "33076"),
        ("F-20000", "20000"),
        ("20200", "20200"),  # Corsica keeps 20 in postcodes
        ("97400", "97400"),
        ("abc", None),
        ("123", None),
        ("123456", None),
        ("00100", None),
        ("", None),
        (None, None),
        (math.nan, None),
        (True, None),
    ],
)
def test_normalize_postcode(written: object, code: str | None) -> None:
    assert normalize_postcode(written) == code


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("01001", "01001"),
        ("1001", "01001"),
        (1001, "01001"),
        ("1001.0", "01001"),
        (1001.0, "01001"),
        ("2a004", "2A004"),
        ("2B033", "2B033"),
        (" 97411 ", "97411"),
        ("97611", "97611"),
        ("75108", "75108"),
        ("Paris", None),
        ("123", None),
        ("2C004", None),
        ("00123", None),
        ("", None),
        (None, None),
        (math.nan, None),
    ],
)
def test_normalize_code_insee(written: object, code: str | None) -> None:
    assert normalize_code_insee(written) == code


@pytest.mark.parametrize(
    ("written", "code"),
    [("1", "01"), (1, "01"), ("01", "01"), ("2a", "2A"), ("2B", "2B"), ("971", "971"),
     ("974 - La Réunion", "974"), ("976", "976"), ("20", "20"), ("Ain", None), ("0", None),
     ("", None), (None, None)],
)
def test_normalize_departement(written: object, code: str | None) -> None:
    assert normalize_departement(written) == code


@pytest.mark.parametrize(
    ("code", "departement"),
    [("01001", "01"), ("2A004", "2A"), ("2B033", "2B"), ("97411", "974"), ("97611", "976")],
)
def test_departement_of_code_insee(code: str, departement: str) -> None:
    assert departement_of_code_insee(code) == departement


CELLS = st.one_of(
    st.none(),
    st.integers(min_value=-10, max_value=200_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["2a004", "2B033", "97411", "1001", "01001", "75 008", "1000.0", "00123",
                     "20", "974 - La Réunion", "33076 CEDEX"]),
)
SCALAR_COLUMNS = [
    (textnorm.normalize_code_insee, textnorm.normalize_codes_insee),
    (textnorm.normalize_postcode, textnorm.normalize_postcodes),
    (textnorm.normalize_departement, textnorm.normalize_departements),
    (textnorm.name_key, textnorm.name_keys),
    (textnorm.full_name_key, textnorm.full_name_keys),
]


@given(st.text())
def test_name_key_is_idempotent(text: str) -> None:
    key = name_key(text)
    assert name_key(key) == key
    assert full_name_key(full_name_key(text)) == full_name_key(text)


@given(CELLS)
def test_codes_are_idempotent(value: object) -> None:
    for normalize in (normalize_code_insee, normalize_postcode, normalize_departement):
        once = normalize(value)
        assert once is None or (isinstance(once, str) and normalize(once) == once)


@given(st.lists(CELLS, max_size=30))
def test_column_functions_equal_scalar_ones(values: list[object]) -> None:
    column = pd.Series(values, dtype=object, index=[f"l{i}" for i in range(len(values))])
    for scalar, vectorised in SCALAR_COLUMNS:
        out = vectorised(column)
        assert list(out.index) == list(column.index)
        assert list(out) == [scalar(v) for v in values]
