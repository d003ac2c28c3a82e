"""The « Présentation » page under AppTest, on a store that starts empty.

The files the page hands to the browser (preview image, PNG download) are read back from
Streamlit's media storage; the titles expected come from the library's views.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import apptest_support
import pytest
from PIL import Image
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from influ_geo import exports, ui_exports, ui_ou_agir

PROJECT = Path(__file__).resolve().parent.parent
APP = PROJECT / "app.py"
PAGE = "pages/7_Presentation.py"
KIND = f"_widget_{ui_exports.KIND_KEY}"
HOSTILE = "Ma carte <script>alert(1)</script>"


# The shared ``empty_store`` fixture (conftest.py): a fresh store for this module.
pytestmark = pytest.mark.usefixtures("empty_store")


@pytest.fixture(scope="module", autouse=True)
def media() -> Iterator[dict[str, bytes]]:
    """Every file the page gives Streamlit (images, downloads), by media file id."""
    files: dict[str, bytes] = {}
    keep = MemoryMediaFileStorage.load_and_get_id

    def recording(self, path_or_data, mimetype, kind, filename=None) -> str:
        file_id = keep(self, path_or_data, mimetype, kind, filename)
        files[file_id] = path_or_data
        return file_id

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
        yield files


def open_page(**query: str) -> AppTest:
    return apptest_support.open_page(PAGE, **query)


def media_bytes(media: dict[str, bytes], url: str) -> bytes:
    """``/mock/media/<id>.png`` ⇒ the bytes stored under ``<id>``."""
    return media[url.rsplit("/", 1)[1].split(".")[0]]


def downloads(at: AppTest) -> dict[str, object]:
    return {b.proto.label: b.proto for b in at.get("download_button")}


def png(at: AppTest, media: dict[str, bytes]) -> Image.Image:
    """The PNG 1920×1080 the download button hands out (also the previewed image)."""
    return Image.open(io.BytesIO(media_bytes(media, downloads(at)["PNG 1920×1080"].url)))


def preview(at: AppTest, media: dict[str, bytes]) -> Image.Image:
    """The preview as sent to the browser (Streamlit scales it to the page width)."""
    (image,) = at.get("image")
    return Image.open(io.BytesIO(media_bytes(media, image.proto.imgs[0].url)))


@pytest.fixture(scope="module")
def national() -> AppTest:
    return open_page()


def test_national_map_preview_and_the_four_formats(national, media) -> None:
    assert not national.exception
    assert [t.value for t in national.title] == ["Présentation"]
    assert national.text_input[0].value == "Actions par région"
    image = png(national, media)
    assert image.size == (1920, 1080) and image.info["Title"] == "Actions par région"
    buttons = downloads(national)
    assert list(buttons) == [f.label for f in exports.FORMATS.values()]
    width, height = preview(national, media).size
    assert width <= 1920 and abs(width / height - 16 / 9) < 0.01
    # The other formats are rendered when their button is clicked (deferred data).
    assert all(buttons[f.label].deferred_file_id for f in exports.FORMATS.values()
               if f.key != "png")


def test_the_title_typed_is_the_title_drawn_and_stays_text(media) -> None:
    at = open_page()
    at.text_input[0].set_value(HOSTILE).run()
    assert not at.exception
    assert png(at, media).info["Title"] == HOSTILE
    assert downloads(at)["PNG 1920×1080"].url.endswith(".png")
    at.text_input[0].set_value("   ").run()  # emptied: back to the map's own title
    assert png(at, media).info["Title"] == "Actions par région"


def test_level_and_indicator_are_those_of_the_overview() -> None:
    at = open_page(niveau="departement", indicateur="sites")
    assert at.text_input[0].value == "Sites industriels par département"


def test_a_region_arriving_from_a_link(media) -> None:
    at = open_page(presentation_carte="region", region="53")
    assert not at.exception
    assert at.text_input[0].value == "Actions par département — Bretagne"
    at.radio(key="_widget_niveau_region").set_value("epci").run()
    assert at.text_input[0].value == "Actions par EPCI — Bretagne"
    assert png(at, media).size == (1920, 1080)


def test_ou_agir_gaps_with_the_weights_chosen_on_ou_agir(media) -> None:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state[ui_ou_agir.WEIGHTS_KEY] = {"industrie": 100, "evenements": 0,
                                                 "absence": 0, "sous_mobilisation": 0}
    at.query_params[ui_exports.KIND_KEY] = "ou_agir"
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.text_input[0].value == "Où agir : score de priorité par région"
    assert any("poids industriel 100\u00a0%" in c.value for c in at.caption)
    at.radio(key=f"_widget_{ui_ou_agir.LEVEL_KEY}").set_value("ti").run()
    assert at.text_input[0].value == "Où agir : score de priorité par Territoire d'industrie"
    assert png(at, media).size == (1920, 1080)


def test_empty_state_still_exports_zeros(media) -> None:
    at = open_page(debut="2001-01-01", fin="2001-12-31")
    assert not at.exception
    assert any("montreront des zéros" in i.value for i in at.info)
    assert png(at, media).size == (1920, 1080)


def test_presentation_mode_hides_the_sidebar(media) -> None:
    at = open_page(presentation="1")
    assert not at.exception
    assert len(at.sidebar.children) == 0
    assert png(at, media).size == (1920, 1080)
    link = next(m.value for m in at.markdown if "mode présentation" in m.value)
    assert "presentation=1" in link
