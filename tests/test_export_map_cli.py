"""``python -m influ_geo export-map``: the Présentation maps written from the command line.

Files are read back (PIL, XML parser, regular expressions on the HTML); expected titles
and territories come from the library. Most runs use an empty store (the demonstration
set in memory, nothing written); one uses a store holding the demo, whose import date
must appear on the slide.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from influ_geo import analytics_cli, cli, config, dataset, demo_cli, priorities, store

TODAY = date(2026, 11, 26)
ROOT = Path(__file__).resolve().parent.parent
DAY = ("--date", TODAY.isoformat())


@pytest.fixture
def empty_store(monkeypatch, tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'influ_geo.sqlite'}"
    monkeypatch.setattr(config, "DATABASE_URL", url)
    return url


@pytest.fixture(scope="module")
def demo_data() -> dataset.Dataset:
    return dataset.prepare(dataset.demo_frames(TODAY), TODAY, demo=True)


@pytest.fixture
def prepared(monkeypatch, empty_store, demo_data) -> dataset.Dataset:
    """The demo set already prepared (the loading itself is tested by the first tests)."""
    monkeypatch.setattr(analytics_cli, "load_data", lambda args: demo_data)
    return demo_data


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_png_of_the_departements_from_an_empty_store(capsys, empty_store, tmp_path) -> None:
    out_file = tmp_path / "carte.png"
    code, out, err = run(capsys, "export-map", "--level", "departement", "--indicator",
                         "actions", *DAY, "-o", str(out_file))
    assert code == 0, err
    assert Image.open(out_file).size == (1920, 1080)
    assert "la base est vide ; rien n'y est écrit" in out
    assert "Carte « Actions par département » : 101 territoires, PNG 1920×1080." in out
    assert store.is_empty(store.get_engine(empty_store))


def test_the_slide_carries_the_date_of_the_last_import(capsys, empty_store, tmp_path) -> None:
    demo_cli.write_demo(store.get_engine(empty_store), TODAY)
    out_file = tmp_path / "regions.svg"
    code, _, err = run(capsys, "export-map", "--level", "region", *DAY, "-o", str(out_file))
    assert code == 0, err
    texts = ["".join(t.itertext()) for t in ET.parse(out_file).iter(
        "{http://www.w3.org/2000/svg}text")]
    imported = store.list_imports(store.get_engine(empty_store))["imported_at"].iloc[0]
    assert f"Données de démonstration au {imported:%d/%m/%Y} (dernier import)." in texts
    assert "Données de démonstration" in texts  # the badge


def test_square_png_of_a_region_with_a_title(capsys, prepared, tmp_path) -> None:
    out_file = tmp_path / "bretagne.png"
    code, out, err = run(capsys, "export-map", "--level", "epci", "--region", "53",
                         "--indicator", "sites", "--titre", "Sites <b>bretons</b>",
                         "--format", "png-carre", "-o", str(out_file))
    assert code == 0, err
    image = Image.open(io.BytesIO(out_file.read_bytes()))
    assert image.size == (1080, 1080) and image.info["Title"] == "Sites <b>bretons</b>"
    assert "Carte « Sites <b>bretons</b> » : 61 territoires, PNG 1080×1080." in out


def test_ou_agir_html_numbers_the_first_and_needs_no_network(capsys, prepared,
                                                             tmp_path) -> None:
    out_file = tmp_path / "ou_agir.html"
    code, _, err = run(capsys, "export-map", "--level", "region", "--ou-agir", "--top", "3",
                       "--poids-industrie", "1", "--poids-evenements", "0",
                       "--poids-absence", "0", "--poids-sous-mobilisation", "0",
                       "-o", str(out_file))
    assert code == 0, err
    page = out_file.read_text(encoding="utf-8")
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', page)
    assert sorted(re.findall(r'"code": "(\d\d)"', page)) == sorted(
        prepared.territories["region"]["code"])
    ranking = priorities.rank(prepared, "region",
                              weights=priorities.Weights(1, 0, 0, 0))
    first = ranking["nom"].head(3).tolist()
    listed = re.findall(r"<li>([^<]+?) — \d+</li>", page)
    assert listed == first
    assert page.count('class=\\"influ-rang\\"') + page.count('class="influ-rang"') == 3


@pytest.mark.parametrize("argv, message", [
    (("--level", "region", "--region", "53"), "départements ou ses EPCI"),
    (("--level", "departement", "--region", "99"), "région « 99 » inconnue"),
    (("--level", "departement", "--region", "53", "--ou-agir"), "ne se combinent pas"),
    (("--level", "region", "--indicator", "beaute"), "indicateur « beaute » inconnu"),
    (("--level", "region", "--ou-agir", "--indicator", "sites"), "indicateur « sites »"),
    (("--level", "region", "--ou-agir", "--poids-industrie", "0", "--poids-evenements", "0",
      "--poids-absence", "0", "--poids-sous-mobilisation", "0"), "strictement positif"),
])
def test_bad_combinations_are_one_french_line(capsys, prepared, tmp_path, argv,
                                              message) -> None:
    out_file = tmp_path / "carte.png"
    code, _, err = run(capsys, "export-map", *argv, "-o", str(out_file))
    assert code == 2
    assert err.startswith("Erreur : ") and message in err and err.count("\n") == 1
    assert not out_file.exists()


def test_unknown_extension_and_missing_folder(capsys, empty_store, tmp_path) -> None:
    code, _, err = run(capsys, "export-map", "--level", "region", "-o", str(tmp_path / "c.gif"))
    assert code == 2 and "c.gif : extension inconnue" in err
    code, _, err = run(capsys, "export-map", "--level", "region",
                       "-o", str(tmp_path / "absent" / "c.png"))
    assert code == 2 and "dossier introuvable" in err


def test_the_command_is_registered_for_python_m() -> None:
    result = subprocess.run([sys.executable, "-m", "influ_geo", "export-map", "--help"],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    assert "--ou-agir" in result.stdout and "png-carre" in result.stdout
