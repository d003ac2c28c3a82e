"""Title-match verdicts kept on disk: recalled by a restarted process, never stale."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from test_matching import action, actions_frame, events_frame

from influ_geo import config, dataset, importers, matching, matching_cache, store
from influ_geo.matching import match_actions

ROWS = [action("2025-05-12", titre="Retour sur : Salon de la sous-traitance", dep="08"),
        action("2025-06-10", titre="portes ouvertes chez Cartonnerie Faurac", dep="51"),
        action("2025-04-06", titre="Salon Industrie Lyon"),  # no territory
        action("2025-05-12", titre="Conférence quantique sur Mars", dep="08")]


@pytest.fixture
def folder(tmp_path, monkeypatch) -> object:
    """Verdicts kept under a folder of the test; the memory of this process emptied."""
    monkeypatch.setattr(config, "MATCH_CACHE_DIR", tmp_path / "liaisons")
    matching._MEMO.clear()
    yield tmp_path / "liaisons"
    matching._MEMO.clear()


def _scored_rows(monkeypatch) -> list[int]:
    scored: list[int] = []
    real = matching._score
    monkeypatch.setattr(matching, "_score",
                        lambda block, *a: scored.extend(block.rows) or real(block, *a))
    return scored


def test_a_restarted_process_recalls_the_verdicts_instead_of_scoring(folder, monkeypatch):
    first = match_actions(actions_frame(ROWS), events_frame())
    assert first.actions["liaison"].tolist() == ["titre", "ambigu", "titre", "non_trouve"]
    assert len(list(folder.glob("*.parquet"))) == 1
    matching._MEMO.clear()  # as after a restart: only the disk remembers
    scored = _scored_rows(monkeypatch)
    again = match_actions(actions_frame(ROWS), events_frame())
    assert scored == []
    pd.testing.assert_frame_equal(first.actions, again.actions)
    pd.testing.assert_frame_equal(first.candidates, again.candidates)


def test_a_new_action_is_scored_and_added_to_the_file(folder, monkeypatch):
    match_actions(actions_frame(ROWS), events_frame())
    matching._MEMO.clear()
    scored = _scored_rows(monkeypatch)
    more = [*ROWS, action("2024-03-20", titre="Salon Industrie Lyon", dep="69")]
    grown = match_actions(actions_frame(more), events_frame())
    assert scored == [4] and grown.actions["evenement_id"].tolist()[4] == 6
    matching._MEMO.clear()
    match_actions(actions_frame(more), events_frame())
    assert scored == [4]  # the fifth verdict was written too


def test_changed_events_are_scored_again_and_not_given_old_verdicts(folder, monkeypatch):
    first = match_actions(actions_frame(ROWS), events_frame())
    matching._MEMO.clear()
    scored = _scored_rows(monkeypatch)
    moved = events_frame().assign(date_debut=lambda f: f["date_debut"] + pd.Timedelta(days=400))
    shifted = match_actions(actions_frame(ROWS), moved)
    assert 2 in scored  # the only action whose dates still reach an event: scored again
    assert first.actions["liaison"].iloc[0] == "titre"
    assert shifted.actions["liaison"].iloc[0] == "non_trouve"
    assert len(list(folder.glob("*.parquet"))) == 2


def test_other_settings_or_scoring_version_use_other_files(folder, monkeypatch):
    match_actions(actions_frame(ROWS), events_frame())
    strict = matching.MatchSettings(min_confidence=0.99)
    result = match_actions(actions_frame(ROWS), events_frame(), strict)
    assert result.actions["liaison"].iloc[0] == "non_trouve"  # 0.95 < 0.99: not recalled
    monkeypatch.setattr(matching, "SCORING_VERSION", "titre-test")
    matching._MEMO.clear()
    scored = _scored_rows(monkeypatch)
    match_actions(actions_frame(ROWS), events_frame())
    assert sorted(scored) == [0, 1, 2, 3]
    assert len(list(folder.glob("*.parquet"))) == 3


def test_an_unreadable_file_is_scored_again_and_rewritten(folder, monkeypatch, caplog):
    first = match_actions(actions_frame(ROWS), events_frame())
    (path,) = folder.glob("*.parquet")
    path.write_bytes(b"PAR1 not parquet at all")
    matching._MEMO.clear()
    scored = _scored_rows(monkeypatch)
    again = match_actions(actions_frame(ROWS), events_frame())
    assert sorted(scored) == [0, 1, 2, 3] and "illisibles" in caplog.text
    pd.testing.assert_frame_equal(first.actions, again.actions)
    assert len(matching_cache.read(bytes.fromhex(path.stem))) == 4  # rewritten


def test_only_the_most_recent_files_are_kept(folder):
    for shift in range(matching_cache.KEPT_FILES + 2):
        events = events_frame().assign(
            date_debut=lambda f, s=shift: f["date_debut"] + pd.Timedelta(days=s))
        match_actions(actions_frame(ROWS), events)
    assert len(list(folder.glob("*.parquet"))) == matching_cache.KEPT_FILES


def test_a_folder_that_cannot_be_written_keeps_the_verdicts_in_memory(tmp_path, monkeypatch,
                                                                      caplog):
    blocker = tmp_path / "fichier"
    blocker.write_text("pas un dossier")
    monkeypatch.setattr(config, "MATCH_CACHE_DIR", blocker / "liaisons")
    matching._MEMO.clear()
    result = match_actions(actions_frame(ROWS), events_frame())
    assert result.actions["liaison"].iloc[0] == "titre"
    assert "non conservés" in caplog.text
    matching._MEMO.clear()


def test_no_folder_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "MATCH_CACHE_DIR", None)
    matching._MEMO.clear()
    match_actions(actions_frame(ROWS), events_frame())
    assert list(tmp_path.iterdir()) == []


def test_the_folder_comes_from_the_environment(tmp_path):
    code = ("from influ_geo import config; print(config.MATCH_CACHE_DIR)")
    for value, expected in ((str(tmp_path / "v"), str(tmp_path / "v")), ("", "None")):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env={"INFLU_GEO_MATCH_CACHE_DIR": value,
                                              "PATH": ""}).stdout.strip()
        assert out == expected


# ---------------------------------------------------------------- worked out at import

DATA = Path(__file__).resolve().parent / "data"
TODAY = date(2026, 11, 26)


def _load_links(engine) -> pd.DataFrame:
    return dataset.load(engine, TODAY).actions[["evenement_id", "liaison", "liaison_score"]]


def test_an_import_of_actions_works_the_links_out_for_the_next_load(store_engine, folder,
                                                                     monkeypatch):
    importers.import_file(DATA / "events" / "evenements.csv", "events", engine=store_engine)
    stages: list[str] = []
    importers.import_file(DATA / "actions" / "actions.csv", "actions", engine=store_engine,
                          progress=lambda stage, done: stages.append(stage))
    assert "Liaison des mobilisations aux événements" in stages
    assert len(list(folder.glob("*.parquet"))) == 1
    matching._MEMO.clear()  # another process: the dashboard's server
    scored = _scored_rows(monkeypatch)
    recalled = _load_links(store_engine)
    assert scored == [] and recalled["liaison"].eq("titre").any()
    monkeypatch.setattr(config, "MATCH_CACHE_DIR", None)
    matching._MEMO.clear()
    worked_out = _load_links(store_engine)
    assert scored != []  # worked out again: the same links
    pd.testing.assert_frame_equal(recalled, worked_out)


def test_without_titles_nothing_but_the_actions_is_read(store_engine, monkeypatch):
    importers.import_file(DATA / "events" / "evenements.csv", "events", engine=store_engine)
    read: list[str] = []
    real = store.read_table
    monkeypatch.setattr(store, "read_table",
                        lambda engine, kind, **kw: read.append(kind) or real(engine, kind, **kw))
    assert dataset.work_out_links(store_engine) is None and read == ["actions"]


def test_a_failure_to_work_the_links_out_keeps_the_import(store_engine, monkeypatch, caplog):
    def broken(engine) -> None:
        raise OSError("disque plein")

    monkeypatch.setattr(dataset, "work_out_links", broken)
    report = importers.import_file(DATA / "events" / "evenements.csv", "events",
                                   engine=store_engine)
    assert report.result.rows_inserted == len(store.read_table(store_engine, "events")) > 0
    assert "disque plein" in caplog.text
