"""The « Présentation » page under AppTest, on a store that starts empty.

The files the page hands to the browser are read back from Streamlit's media storage: the
preview image at once, each download as a click makes it (the page registers a callable per
button; the test runs it as Streamlit's server does on the click). The titles expected come
from the library's views.
"""

from __future__ import annotations

import html
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import apptest_support
import pytest
from PIL import Image
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from influ_geo import (
    app_data,
    choropleths,
    exports,
    store,
    ui_data,
    ui_exports,
    ui_filters,
    ui_ou_agir,
)
from influ_geo.demo_cli import today_paris

PROJECT = Path(__file__).resolve().parent.parent
APP = PROJECT / "app.py"
PAGE = "pages/7_Presentation.py"
KIND = f"_widget_{ui_exports.KIND_KEY}"
HOSTILE = "Ma carte <script>alert(1)</script>"
SVG = "{http://www.w3.org/2000/svg}"


# The shared ``empty_store`` fixture (conftest.py): a fresh store for this module.
pytestmark = pytest.mark.usefixtures("empty_store")


# The media file manager that registered each deferred download, by its file id: AppTest
# drops its runtime after each run, the test clicks later.
MANAGERS: dict[str, MediaFileManager] = {}
NAMES: dict[str, str | None] = {}  # the file name each stored file is downloaded under


@pytest.fixture(scope="module", autouse=True)
def media() -> Iterator[dict[str, bytes]]:
    """Every file the page gives Streamlit (images, downloads), by media file id."""
    files: dict[str, bytes] = {}
    keep = MemoryMediaFileStorage.load_and_get_id
    defer = MediaFileManager.add_deferred

    def recording(self, path_or_data, mimetype, kind, filename=None) -> str:
        file_id = keep(self, path_or_data, mimetype, kind, filename)
        files[file_id], NAMES[file_id] = path_or_data, filename
        return file_id

    def registering(self, data_callable, *args, **kwargs) -> str:
        file_id = defer(self, data_callable, *args, **kwargs)
        MANAGERS[file_id] = self
        return file_id

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
        patch.setattr(MediaFileManager, "add_deferred", registering)
        yield files


def open_page(**query: str) -> AppTest:
    return apptest_support.open_page(PAGE, **query)


def media_bytes(media: dict[str, bytes], url: str) -> bytes:
    """``/mock/media/<id>.png`` ⇒ the bytes stored under ``<id>``."""
    return media[url.rsplit("/", 1)[1].split(".")[0]]


def downloads(at: AppTest) -> dict[str, object]:
    return {b.proto.label: b.proto for b in at.get("download_button")}


def click(at: AppTest, media: dict[str, bytes], label: str) -> bytes:
    """The file the download button ``label`` hands out when clicked: Streamlit's server
    runs the button's callable (``execute_deferred``) and serves the bytes stored."""
    file_id = downloads(at)[label].deferred_file_id
    return media_bytes(media, MANAGERS[file_id].execute_deferred(file_id))


def png(at: AppTest, media: dict[str, bytes]) -> Image.Image:
    """The PNG 1920×1080 the download button hands out."""
    return Image.open(io.BytesIO(click(at, media, "PNG 1920×1080")))


def preview_png(at: AppTest, media: dict[str, bytes]) -> bytes:
    """The preview as sent to the browser."""
    (image,) = at.get("image")
    return media_bytes(media, image.proto.imgs[0].url)


def preview(at: AppTest, media: dict[str, bytes]) -> Image.Image:
    return Image.open(io.BytesIO(preview_png(at, media)))


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
    image = preview(national, media)
    assert image.size == (exports.PREVIEW_WIDTH, exports.PREVIEW_WIDTH * 9 // 16)
    assert image.info["Title"] == "Actions par région"
    # Every file is rendered when its button is clicked (deferred data): none in the run.
    assert all(buttons[f.label].deferred_file_id and not buttons[f.label].url
               for f in exports.FORMATS.values())


def test_the_title_typed_is_the_title_drawn_and_stays_text(media) -> None:
    at = open_page()
    at.text_input[0].set_value(HOSTILE).run()
    assert not at.exception
    assert png(at, media).info["Title"] == HOSTILE
    assert preview(at, media).info["Title"] == HOSTILE
    url = downloads(at)["PNG 1920×1080"].deferred_file_id
    stored = MANAGERS[url].execute_deferred(url).rsplit("/", 1)[1].split(".")[0]
    assert NAMES[stored] == "ma-carte-script-alert-1-script.png"
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


def test_the_preview_and_every_file_follow_a_filter_change(empty_store, media) -> None:
    """A theme chosen in the sidebar: the preview and each file drawn again for it, byte for
    byte what the library draws for those filters; back to no theme, back to the first."""
    at = open_page()
    before = preview_png(at, media)
    at.multiselect(key="_widget_filtre_themes").set_value(["inclusion"]).run()
    assert not at.exception
    loaded = app_data.load_app_data(store.get_engine(empty_store), today_paris())
    filters = ui_filters.default_filters(loaded.dataset.today).replace(themes=("inclusion",))
    view = choropleths.national_view(loaded.dataset, "region", "actions", filters)
    texts = exports.slide_texts(view.title, view.subtitle, ui_data.data_date_text(loaded),
                                exports.DEMO_BADGE)
    assert preview_png(at, media) == exports.preview_png(view, texts) != before
    assert click(at, media, "PNG 1920×1080") == exports.render(view, texts, "png")
    square = Image.open(io.BytesIO(click(at, media, "PNG 1080×1080")))
    assert square.size == (1080, 1080) and square.info["Title"] == view.title
    svg = ET.fromstring(click(at, media, "SVG (vectoriel)"))
    assert view.subtitle in ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]
    page = click(at, media, "HTML interactif").decode("utf-8")
    assert f"<h1>{html.escape(view.title)}</h1><p>{html.escape(view.subtitle)}</p>" in page
    at.multiselect(key="_widget_filtre_themes").set_value([]).run()
    assert preview_png(at, media) == before
