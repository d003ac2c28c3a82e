"""``python -m influ_geo indicators|priorities`` on the demo data and on a store."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from influ_geo import cli, config, dataset, demo_cli, indicators, priorities, store
from influ_geo.filters import Filters

TODAY = date(2025, 11, 26)
ROOT = Path(__file__).resolve().parent.parent
LINE = re.compile(r"^\s*(\d+)\. (.+?) : (.+), (.+), (.+) \(score (\d+,\d)\)$")
NNBSP = "\u202f"


@pytest.fixture
def empty_store(monkeypatch, tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'influ_geo.sqlite'}"
    monkeypatch.setattr(config, "DATABASE_URL", url)
    return url


@pytest.fixture(scope="module")
def demo_data() -> dataset.Dataset:
    return dataset.prepare(dataset.demo_frames(TODAY), TODAY, demo=True)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def ranking_lines(out: str) -> list[re.Match]:
    return [m for m in map(LINE.match, out.splitlines()) if m]


def check_events(phrase: str, row: pd.Series) -> None:
    upcoming, unrelayed = row["evenements_a_venir"], row["evenements_a_venir_non_relayes"]
    if phrase == "aucun événement à venir":
        assert upcoming == 0
        return
    numbers = [int(n) for n in re.findall(r"\d+", phrase)]
    assert numbers[0] == upcoming
    assert phrase.startswith(f"{upcoming} événement{'s' if upcoming > 1 else ''} à venir")
    if "dont" in phrase:
        assert numbers[1] == unrelayed and 0 < unrelayed < upcoming
    elif "relayé" in phrase:
        assert unrelayed == 0
    else:
        assert unrelayed == upcoming


def check_recency(phrase: str, row: pd.Series) -> None:
    days = row["jours_depuis_derniere_action"]
    if phrase == "jamais de relais":
        assert pd.isna(days)
        return
    exact = {"dernier relais aujourd'hui": 0, "dernier relais hier": 1}
    if phrase in exact:
        assert days == exact[phrase]
        return
    number = int(re.search(r"\d+", phrase).group())
    if phrase.endswith(" jours"):
        assert days == number and days < 31
    elif phrase.endswith(" mois"):
        assert days * 12 // 365 == number
    else:
        assert phrase.endswith(" ans") and days // 365 == number


def check_sites(phrase: str, row: pd.Series) -> None:
    if phrase == "aucun site industriel":
        assert row["sites"] == 0
        return
    assert int(phrase.split(" site")[0].replace(NNBSP, "")) == row["sites"]
    assert phrase.endswith("sites industriels" if row["sites"] > 1 else "site industriel")


def test_priorities_on_demo_match_the_indicators(capsys, empty_store, demo_data):
    code, out, _ = run(capsys, "priorities", "--level", "departement", "--top", "10",
                       "--date", TODAY.isoformat())
    assert code == 0
    assert "données de démonstration (la base est vide" in out
    lines = ranking_lines(out)
    assert [int(m.group(1)) for m in lines] == list(range(1, 11))
    table = indicators.indicators(demo_data, "departement").set_index("nom")
    expected_order = priorities.rank(demo_data, "departement")["nom"].head(10).tolist()
    assert [m.group(2) for m in lines] == expected_order
    for match in lines:
        row = table.loc[match.group(2)]
        check_events(match.group(3), row)
        check_recency(match.group(4), row)
        check_sites(match.group(5), row)
    assert store.is_empty(store.get_engine(empty_store))  # nothing written


def test_events_to_relay_are_listed_under_their_territory(capsys, empty_store, demo_data):
    _, out, _ = run(capsys, "priorities", "--level", "region", "--top", "3",
                    "--date", TODAY.isoformat())
    ranked = priorities.rank(demo_data, "region").head(3)
    joinable = priorities.events_to_join(demo_data, "region")
    blocks: list[list[str]] = []
    for line in out.splitlines():
        if LINE.match(line):
            blocks.append([])
        elif blocks and "À relayer" in line:
            blocks[-1].append(line)
    for listed, code in zip(blocks, ranked["code"], strict=True):
        events = joinable[joinable["code"] == code]
        assert len(listed) == min(3, len(events))
        for line, event in zip(listed, events.itertuples(), strict=False):
            assert line.strip() == (f"À relayer : {event.date_debut:%d/%m/%Y} {event.titre} "
                                    f"({event.commune_nom})")


def test_priorities_with_filters_weights_and_csv(capsys, empty_store, tmp_path, demo_data):
    out_path = tmp_path / "ou_agir.csv"
    code, out, _ = run(capsys, "priorities", "--level", "epci", "--top", "5", "--theme",
                       "inclusion,territoires", "--canal", "linkedin", "--poids-industrie", "1",
                       "--poids-evenements", "0", "--poids-absence", "0",
                       "--poids-sous-mobilisation", "0", "--date", TODAY.isoformat(),
                       "-o", str(out_path))
    assert code == 0
    assert "Thèmes : Inclusion et diversité, Mobilisations territoriales" in out
    written = pd.read_csv(out_path, dtype={"code": "str", "code_region": "str"},
                          encoding="utf-8-sig")
    expected = priorities.rank(demo_data, "epci",
                               Filters(themes=["inclusion", "territoires"], canaux=["linkedin"]),
                               priorities.Weights(1, 0, 0, 0)).head(5)
    assert written["code"].tolist() == expected["code"].tolist()
    assert written["explication"].tolist() == expected["explication"].tolist()
    assert (written["score"] == written["points_industrie"]).all()
    assert len(ranking_lines(out)) == 5


def test_indicators_csv_and_xlsx(capsys, empty_store, tmp_path, demo_data):
    csv_path = tmp_path / "departements.csv"
    code, out, _ = run(capsys, "indicators", "--level", "departement", "--date",
                       TODAY.isoformat(), "-o", str(csv_path))
    assert code == 0 and "101 départements (Aucun filtre)" in out
    written = pd.read_csv(csv_path, dtype={"code": "str", "code_region": "str"},
                          encoding="utf-8-sig")
    expected = indicators.indicators(demo_data, "departement")
    assert written["code"].tolist() == expected["code"].tolist()
    for name in ("actions", "sites", "evenements_a_venir_non_relayes", "poids"):
        assert written[name].tolist() == expected[name].tolist()
    xlsx_path = tmp_path / "ti.xlsx"
    code, out, _ = run(capsys, "indicators", "--level", "ti", "--taille", "250_plus",
                       "--date", TODAY.isoformat(), "-o", str(xlsx_path))
    assert code == 0
    sheet = pd.read_excel(xlsx_path)
    assert len(sheet) == 12 and sheet["sites"].sum() == sheet["sites_250_plus"].sum()


@pytest.mark.parametrize(("argv", "message"), [
    (["indicators", "--level", "region", "--theme", "industrie", "-o", "x.csv"],
     "Erreur : thèmes inconnu(s) : industrie ; valeurs acceptées : imaginaire"),
    (["indicators", "--level", "region", "--date", "26/11/2025", "-o", "x.csv"],
     "Erreur : date « 26/11/2025 » invalide (attendu AAAA-MM-JJ)"),
    (["indicators", "--level", "region", "--debut", "2025-05-01", "--fin", "2025-04-01",
      "-o", "x.csv"], "Erreur : période vide"),
    (["priorities", "--level", "region", "--poids-industrie", "0", "--poids-evenements", "0",
      "--poids-absence", "0", "--poids-sous-mobilisation", "0"],
     "Erreur : au moins un poids du score doit être strictement positif"),
    (["indicators", "--level", "region", "-o", "/nowhere/at/all/x.csv"],
     "Erreur : dossier introuvable : /nowhere/at/all"),
])
def test_unusable_input_gives_one_french_line(capsys, empty_store, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith(message)
    assert len(err.strip().splitlines()) == 1


def test_bad_level_and_top_are_refused_by_the_parser(capsys, empty_store):
    for argv in (["priorities", "--level", "canton"], ["priorities", "--level", "ti",
                                                       "--top", "0"]):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv)
        assert exit_info.value.code == 2
    assert "un entier positif est attendu" in capsys.readouterr().err


def test_the_store_gives_what_the_demo_fallback_gives(capsys, empty_store):
    """The demo written into the store (as the app does) ranks exactly like the demo the
    command uses in memory when the store is empty."""
    _, in_memory, _ = run(capsys, "priorities", "--level", "departement", "--top", "15",
                          "--date", TODAY.isoformat())
    demo_cli.write_demo(store.get_engine(empty_store), TODAY)
    _, stored, _ = run(capsys, "priorities", "--level", "departement", "--top", "15",
                       "--date", TODAY.isoformat())
    assert "données de démonstration de la base" in stored
    assert in_memory.splitlines()[1:] == stored.splitlines()[1:]


@pytest.mark.slow
def test_entry_point(tmp_path):
    env = {"INFLU_GEO_DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite'}", "PATH": ""}
    result = subprocess.run(
        [sys.executable, "-m", "influ_geo", "priorities", "--level", "region", "--top", "3",
         "--demo", "--date", TODAY.isoformat()],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert len(ranking_lines(result.stdout)) == 3
