"""Where each part of a slide goes, and how its texts are shortened.

Figure fractions (0–1) of the two shapes of :mod:`influ_geo.static_maps`: ``"paysage"``
(1920×1080) and ``"carre"`` (1080×1080). No drawing here.

    LAYOUTS["carre"].insets[0]     # Box(0.03, 0.09, 0.17, 0.12): Guadeloupe, bottom left
    wrap("un deux trois quatre", 9, 2)   # ["un deux", "trois…"]
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass


@dataclass(frozen=True)
class Box:
    """A rectangle in figure fractions: left, bottom, width, height."""

    x: float
    y: float
    w: float
    h: float

    def rect(self) -> tuple[float, float, float, float]:
        return (self.x, self.y, self.w, self.h)


@dataclass(frozen=True)
class Layout:
    """Where each part of a slide goes, for one figure shape."""

    size: tuple[float, float]
    title_size: float
    title_chars: int
    subtitle_size: float
    subtitle_chars: int
    badge_xy: tuple[float, float]  # its top right corner, or bottom right when low
    main: Box  # the metropole when there are DROM insets
    main_alone: Box  # a map without insets (a région)
    insets: tuple[Box, ...]
    panel: Box  # legend, then the first of the ranking
    panel_chars: int  # characters of a legend line
    legend_size: float  # font size of the legend's lines (its title: 2 points more)
    credits: Box
    credits_chars: int
    credits_size: float
    line: float  # height of one line of the panel, in figure fraction


LAYOUTS: dict[str, Layout] = {
    "paysage": Layout(
        size=(19.2, 10.8), title_size=32, title_chars=56, subtitle_size=15,
        subtitle_chars=125, badge_xy=(0.97, 0.955),
        main=Box(0.19, 0.03, 0.50, 0.76), main_alone=Box(0.03, 0.03, 0.66, 0.76),
        insets=tuple(Box(0.03, 0.636 - i * 0.152, 0.135, 0.118) for i in range(5)),
        panel=Box(0.71, 0.20, 0.27, 0.60), panel_chars=44, legend_size=13,
        credits=Box(0.71, 0.03, 0.27, 0.15), credits_chars=62, credits_size=10.5,
        line=0.034),
    "carre": Layout(
        size=(10.8, 10.8), title_size=25, title_chars=40, subtitle_size=11.5,
        subtitle_chars=110, badge_xy=(0.97, 0.02),
        main=Box(0.03, 0.26, 0.64, 0.56), main_alone=Box(0.03, 0.09, 0.64, 0.73),
        insets=tuple(Box(0.03 + i * 0.19, 0.09, 0.17, 0.12) for i in range(5)),
        panel=Box(0.70, 0.28, 0.28, 0.54), panel_chars=30, legend_size=11.5,
        credits=Box(0.03, 0.012, 0.94, 0.06), credits_chars=100, credits_size=9,
        line=0.029),
}


def wrap(text: str, width: int, lines: int) -> list[str]:
    """At most ``lines`` lines of at most ``width`` characters; cut text ends with "…"."""
    out = textwrap.wrap(text, width) or [""]
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: max(width - 1, 1)].rstrip() + "…"
    return out


def class_label(label: str) -> str:
    """A legend class whose bounds are equal reads as one value: ``"12 – 12"`` ⇒ ``"12"``."""
    low, sep, high = label.partition(" – ")
    return low if sep and low == high else label


# Long EPCI kinds, shortened in the slide's list (the map shows the whole name on hover).
_SHORT_KINDS = (("Communauté d'agglomération", "CA"), ("Communauté de communes", "CC"),
                ("Communauté urbaine", "CU"))


def short_name(name: str) -> str:
    """``"Communauté de communes du Pays de Gex"`` ⇒ ``"CC du Pays de Gex"``."""
    for long, short in _SHORT_KINDS:
        if name.startswith(long):
            return short + name[len(long):]
    return name
