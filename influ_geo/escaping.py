"""Texts from data made inert wherever they are written: HTML, folium, Markdown, links.

No streamlit here. A title, a place, an organiser, a pseudonym or a URL comes from a file,
a form or an open-data feed: it must reach the user as the same characters, never as
markup, script or template. Four places read characters specially, and each helper
covers one:

- **HTML** (popups, tooltips, exported pages): ``<``, ``>``, ``&``, ``"`` and ``'``;
- **folium's templates**: branca adds each rendered script to the page *as a Jinja
  template* that is rendered again, so ``{{ 7*7 }}`` in a title would come out as ``49``
  (and ``{{ lipsum.__globals__… }}`` would run Python on the server); and folium writes
  popups and tooltips inside JavaScript template literals (`` `…` ``), where a backtick,
  ``${…}`` or a backslash escapes from the text. :func:`html_text` also writes ``{``,
  ``}``, `` ` `` and ``\\`` as character references, which every browser shows as the
  same characters and which neither Jinja nor JavaScript reads;
- **Streamlit's Markdown** (``st.markdown``, ``st.error``, labels…): ``[texte](lien)``,
  ``![image](…)``, ``**``, ``:red[…]``, ``$…$``; :func:`markdown_text` escapes them;
- **links**: :func:`http_url` keeps a URL only when it is ``http(s)`` with a host
  (``javascript:``, ``data:``, ``vbscript:``, `` \\tjavascript:`` are dropped).

    html_text('<img src=x onerror=alert(1)> {{ 7*7 }}')
    # '&lt;img src=x onerror=alert(1)&gt; &#123;&#123; 7*7 &#125;&#125;'
    markdown_text("[Gagnez](https://piege.example)")   # shown as typed, no link
    http_url(" JaVaScRiPt:alert(1)")                    # None
"""

from __future__ import annotations

import html
import math
import re
from urllib.parse import urlsplit

from branca.element import Element

TEXT_MAX_CHARS = 300  # a popup line longer than this is cut: no title needs more to be told
# Characters Jinja ({{ {% {#) and JavaScript template literals (` ${ \) read.
_TEMPLATE_CHARS = str.maketrans({"{": "&#123;", "}": "&#125;", "`": "&#96;", "\\": "&#92;"})
# What Markdown, GFM and Streamlit read anywhere in a line: links and images (``[](``,
# ``![``), raw HTML (``<``), emphasis, code, strike-through, tables, math (``$``), entities
# (``&lt;``), directives and short codes (``:red[``, ``:material/…:``, ``:smile:``).
_MARKDOWN_CHARS = re.compile(r"[\\`*_{}\[\]()<>!|~$]|&(?=#?\w+;)|:(?=[A-Za-z])")
# GFM links bare addresses (``https://…``, ``www.…``, ``a@b.fr``) before escapes are read:
# an invisible WORD JOINER (U+2060) inside ``://``, ``www.`` and before ``@`` stops it.
_AUTOLINK = re.compile(r"(?<=[a-z]):(?=//)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"
# What starts a block at the beginning of a text: heading, list, quote, rule, numbered list.
_BLOCK_START = re.compile(r"^(\s*)([#+=>-]|\d+(?=[.)]))")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
# Inside a link: any space, C0/C1 control, zero-width or bidirectional control makes it no
# link (``java\nscript:``, a right-to-left override hiding the real end of a file name).
# Quotes and angle brackets are kept: every writer escapes the link for its context.
_URL_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _missing(value: object) -> bool:
    """None, NaN, pandas' NA ⇒ True (a missing cell writes nothing)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def shorten(text: str, limit: int = TEXT_MAX_CHARS) -> str:
    """At most ``limit`` characters, a cut text ending with "…": a 100,000-character title
    would make a popup taller than any screen (and the map pan away to show it)."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def template_inert(markup: str) -> str:
    """HTML made inert for folium's templates, shown the same by a browser:
    ``"<b>{{ 7*7 }}</b>"`` ⇒ ``"<b>&#123;&#123; 7*7 &#125;&#125;</b>"``; `` ` `` ⇒ ``&#96;``,
    ``\\`` ⇒ ``&#92;``. For element content and quoted attributes (not ``<script>``)."""
    return markup.translate(_TEMPLATE_CHARS)


def html_text(value: object) -> str:
    """A text from data for HTML built by folium or by hand: escaped for element content
    and quoted attributes, inert in Jinja and in a JavaScript template literal;
    ``"<script>alert(1)</script>"`` ⇒ ``"&lt;script&gt;alert(1)&lt;/script&gt;"``,
    ``"${x}"`` ⇒ ``"$&#123;x&#125;"``, missing ⇒ ``""``."""
    if _missing(value):
        return ""
    return template_inert(html.escape(str(value), quote=True))


def markdown_text(value: object) -> str:
    """A text from data for Streamlit's Markdown, shown as the same characters:
    ``"[x](a.fr)"`` ⇒ ``"\\[x\\]\\(a.fr\\)"``, ``"- a"`` ⇒ ``"\\- a"``; line
    breaks become spaces (no block can start inside); missing ⇒ ``""``. Plain French text
    (``"Saint-Étienne : 3 sites."``) is left as is.

    A bare web address or e-mail is no link either: GFM finds them before escapes are
    read, so an invisible word joiner (U+2060) is put inside ``://``, ``www.`` and before
    ``@``."""
    if _missing(value):
        return ""
    text = _MARKDOWN_CHARS.sub(lambda m: "\\" + m.group(0), _LINE_BREAKS.sub(" ", str(value)))
    text = _AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, text)
    start = _BLOCK_START.match(text)
    if start is None:
        return text
    if start.group(2).isdigit():  # "1. Un" ⇒ "1\. Un": the dot (or bracket) is escaped
        cut = start.end()
        return text[:cut] + "\\" + text[cut:]
    return text[:start.start(2)] + "\\" + text[start.start(2):]


def http_url(value: object) -> str | None:
    """The link, stripped, when it is a web link; else ``None``.

    ``" https://exemple.fr/a?b=1 "`` ⇒ ``"https://exemple.fr/a?b=1"``;
    ``"javascript:alert(1)"``, ``"JaVaScRiPt:alert(1)"``, ``" \\tjavascript:alert(1)"``,
    ``"data:text/html,…"``, ``"vbscript:…"``, ``"//piege.example"``, ``"https://"``,
    ``"https://a b"``, ``"https://a.fr/\\u202egnp.exe"`` ⇒ ``None``. Quotes and ``<>`` stay
    (``'https://a.fr/"x'`` is a link): escape it for where it is written.
    """
    if _missing(value) or not isinstance(value, str):
        return None
    text = value.strip()
    if not text or _URL_FORBIDDEN.search(text):
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return text


class RawElement(Element):
    """HTML added to a folium/branca figure as is, never parsed as a Jinja template
    (a plain ``Element(text)`` is, so ``{{ 7*7 }}`` in a title would print ``49``)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: object) -> str:
        return self._text
