"""``python -m influ_geo export-map``: the maps of the Présentation page, from a script.

    python -m influ_geo export-map --level departement --indicator actions -o carte.png
    python -m influ_geo export-map --level departement --region 53 --format svg -o bzh.svg
    python -m influ_geo export-map --level epci --ou-agir --titre "Où agir en 2026" -o oa.html
    python -m influ_geo export-map --level region --format png-carre -o carre.png

The format comes from ``--format`` or else from the extension of ``-o`` (``.png``,
``.svg``, ``.html``). The data are those of ``indicators``/``priorities`` (the store, or
the demonstration set in memory when it is empty), with the same filters and weights.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from influ_geo import analytics_cli, app_data, choropleths, config, exports, priorities, store
from influ_geo.cli import CommandError
from influ_geo.dataset import Dataset
from influ_geo.formatting import format_decimal

SUFFIX_FORMATS = {".png": "png", ".svg": "svg", ".html": "html", ".htm": "html"}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``export-map`` sub-command."""
    p = sub.add_parser("export-map", help="carte pour diapositives (PNG, SVG ou HTML)")
    analytics_cli._common(p)
    p.add_argument("--indicator", default=None,
                   help="indicateur : " + ", ".join(choropleths.MAP_INDICATORS)
                   + " (défaut : actions ; score_priorite avec --ou-agir)")
    p.add_argument("--region", default=None,
                   help="code de région (« 53 ») : ses départements ou ses EPCI")
    p.add_argument("--ou-agir", action="store_true",
                   help="carte des manques « Où agir », premiers du classement numérotés")
    p.add_argument("--top", type=analytics_cli._positive, default=None,
                   help="territoires numérotés avec --ou-agir (10)")
    for name, label in priorities.PARTS.items():
        default = getattr(priorities.Weights(), name)
        p.add_argument(f"--poids-{name.replace('_', '-')}", dest=f"w_{name}", type=float,
                       default=default, help=f"poids de la part « {label} » ({default})")
    p.add_argument("--titre", default=None, help="titre écrit sur la carte")
    p.add_argument("--format", dest="fmt", default=None, choices=list(exports.FORMATS),
                   help="png (1920×1080), png-carre (1080×1080), svg, html ; "
                        "défaut : selon l'extension de la sortie")
    p.add_argument("-o", "--output", type=Path, required=True, help="fichier de sortie")
    p.set_defaults(handler=run)


def output_format(path: Path, fmt: str | None) -> str:
    """``("carte.svg", None)`` ⇒ ``"svg"``; ``("carte.png", "png-carre")`` ⇒ ``"png-carre"``;
    an unknown extension without ``--format`` ⇒ :class:`CommandError`."""
    if fmt is not None:
        return fmt
    try:
        return SUFFIX_FORMATS[path.suffix.lower()]
    except KeyError:
        raise CommandError(f"{path.name} : extension inconnue ; donnez --format "
                           f"({', '.join(exports.FORMATS)}) ou une sortie .png, .svg, "
                           ".html") from None


def build_view(args: argparse.Namespace, data: Dataset) -> choropleths.ChoroplethView:
    """The view the arguments ask for; a bad combination ⇒ :class:`CommandError`."""
    filters = analytics_cli.filters_from_args(args)
    if args.ou_agir and args.region:
        raise CommandError("--ou-agir et --region ne se combinent pas : la carte des "
                           "manques couvre la France entière")
    weights = priorities.Weights(**{n: getattr(args, f"w_{n}") for n in priorities.PARTS})
    try:
        ranking = priorities.rank(data, args.level, filters, weights, poids=args.base_poids)
        if args.ou_agir:
            return choropleths.gaps_view(data, args.level, filters, weights,
                                         args.indicator or "score_priorite",
                                         args.top or config.OU_AGIR_TOP,
                                         ranking=ranking)
        if args.region:
            return choropleths.region_view(data, args.region, args.indicator or "actions",
                                           filters, args.level, ranking=ranking)
        return choropleths.national_view(data, args.level, args.indicator or "actions",
                                         filters, ranking=ranking)
    except (choropleths.ViewError, priorities.WeightsError) as error:
        raise CommandError(str(error)) from error


def data_date(args: argparse.Namespace) -> datetime | None:
    """The date of the latest import of the store (``None``: demo in memory, or unknown)."""
    if args.demo:
        return None
    try:
        engine = store.get_engine()
        return None if store.is_empty(engine) else app_data.latest_import_date(engine)
    except sa.exc.SQLAlchemyError:
        return None


def run(args: argparse.Namespace) -> int:
    """Write the map; print what was written, its size and the time taken."""
    fmt = output_format(args.output, args.fmt)
    if not args.output.parent.is_dir():
        raise CommandError(f"dossier introuvable : {args.output.parent}")
    data = analytics_cli.load_data(args)
    start = time.perf_counter()
    view = build_view(args, data)
    texts = exports.slide_texts(args.titre or view.title, view.subtitle,
                                exports.data_date_text(data.demo, data_date(args), data.today),
                                exports.DEMO_BADGE if data.demo else None)
    content = exports.render(view, texts, fmt)
    try:
        args.output.write_bytes(content)
    except OSError as error:
        raise CommandError(f"écriture impossible de {args.output} : "
                           f"{error.strerror or error}") from error
    seconds = time.perf_counter() - start
    print(f"Carte « {texts.title} » : {len(view.frame)} territoires, "
          f"{exports.FORMATS[fmt].label}.")
    print(f"Écrit : {args.output} ({format_decimal(len(content) / 1000, 0)} ko, "
          f"{format_decimal(seconds)} s)")
    return 0
