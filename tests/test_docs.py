"""The README stays in step with the code: pages, commands, columns, make targets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from influ_geo import cli, geocode, schema, ui

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("link", ui.PAGES, ids=lambda link: link.path)
def test_every_page_is_described_and_exists(link) -> None:
    assert (ROOT / link.path).exists()
    assert re.search(rf"^\| {re.escape(link.label)}\b", README, re.MULTILINE), link.label


def test_every_command_is_in_the_readme() -> None:
    commands = {"build-referentiel", *(n for names, _, _ in cli.COMMANDS for n in names)}
    missing = [c for c in sorted(commands) if f"python -m influ_geo {c}" not in README]
    assert missing == []


@pytest.mark.parametrize("kind", schema.KINDS)
def test_every_canonical_column_is_in_the_readme(kind: str) -> None:
    missing = [c for c in schema.column_names(kind) if f"`{c}`" not in README]
    assert missing == []


def test_every_geocoding_column_is_in_the_glossary() -> None:
    glossary = README.split("## Glossaire", 1)[1]
    missing = [c for c in geocode.OUTPUT_COLUMNS if f"`{c}`" not in glossary]
    assert missing == []


def test_the_two_commands_and_the_other_verbs_exist_in_the_makefile() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for verb in ("run", "test", "lint", "bench"):
        assert re.search(rf"^{verb}:", makefile, re.MULTILINE), verb
        assert f"make {verb}" in README, verb
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
