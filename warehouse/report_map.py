"""The report's world map: countries shaded by their share of articles, as inline SVG.

The shapes (warehouse/data/world_110m.json, 44 KB) are Natural Earth 4.1.0 admin-0 countries at
1:110m, public domain, taken from the npm package world-atlas 2.0.2 (ISC) and pre-projected to
Equal Earth SVG paths by benchmarks/world_map_data.py, which regenerates the file. States too small
for 1:110m are dots placed from the 1:50m shapes, places without a Natural Earth unit of their own
(French Guiana, Gibraltar, ...) dots at their largest GeoNames city; Antarctica is left out.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

from warehouse.report import CountryRow
from warehouse.report_svg import el

MAP_FILE = Path(__file__).with_name("data") / "world_110m.json"
# share classes, lower bounds: fixed so that two reports' colours mean the same
BREAKS = (0.0, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25)
COLOURS = ("#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c", "#08306b")
NO_DATA, FOCUS = "#e5e7eb", "#e69f00"
LEGEND_H = 44.0


@cache
def shapes() -> dict[str, Any]:
    """The bundled country shapes (read once per process)."""
    data: dict[str, Any] = json.loads(MAP_FILE.read_text(encoding="utf-8"))
    return data


@cache
def country_names() -> dict[str, str]:
    """Country names by alpha-2 code, from the warehouse's countries dimension file."""
    with (MAP_FILE.parent / "countries.csv").open(encoding="utf-8", newline="") as f:
        return {row["code"]: row["name"] for row in csv.DictReader(f)}


def colour(share: float) -> str:
    """The fill of a share's class."""
    return COLOURS[max(k for k, low in enumerate(BREAKS) if share >= low)]


def _class_label(k: int) -> str:
    low = BREAKS[k]
    if k == len(BREAKS) - 1:
        return f"≥ {low * 100:g} %"
    return f"< {BREAKS[1] * 100:g} %" if k == 0 else f"{low * 100:g}–{BREAKS[k + 1] * 100:g} %"


def _tip(row: CountryRow, whose: str) -> str:
    return (
        f"{row.name} ({row.code}): {row.share * 100:.1f} % {whose} · {row.articles:,} articles, "
        f"{row.stories:,} stories"
    )


def _legend(top: float, focus: str | None) -> list[str]:
    """The colour classes in a row under the map."""
    parts, x = [el("text", "share of articles", class_="tick", x=0, y=top + 14)], 112.0
    for k in range(len(BREAKS)):
        parts.append(el("rect", x=x, y=top + 4, width=14, height=12, fill=COLOURS[k]))
        parts.append(el("text", _class_label(k), class_="tick", x=x + 18, y=top + 14))
        x += 30 + 7 * len(_class_label(k))
    parts.append(el("rect", x=x, y=top + 4, width=14, height=12, fill=NO_DATA))
    parts.append(el("text", "none", class_="tick", x=x + 18, y=top + 14))
    if focus:
        x += 60
        parts.append(el("rect", x=x, y=top + 4, width=14, height=12, fill=FOCUS))
        parts.append(el("text", f"{focus} (the filter)", class_="tick", x=x + 18, y=top + 14))
    return parts


def _country(code: str, path: str, row: CountryRow | None, whose: str, focus: str | None) -> str:
    """One country's path with its tooltip."""
    names = country_names()
    if code == focus:
        fill, tip = FOCUS, f"{names.get(code, code)} ({code}): the filter country"
    elif row is None:
        fill, tip = NO_DATA, f"{names.get(code, code)} ({code}): no articles"
    else:
        fill, tip = colour(row.share), _tip(row, whose)
    cls = "country covered" if row is not None else "country"
    return el("path", None, el("title", tip), class_=cls, d=path, fill=fill, data_code=code)


def world_map(
    rows: Sequence[CountryRow], whose: str, focus: str | None = None
) -> tuple[str, list[CountryRow]]:
    """The map SVG and the covered countries it could not draw (no shape or point for them)."""
    data, by_code = shapes(), {r.code: r for r in rows}
    width, height = data["width"], data["height"]
    unit = data["unit"]
    countries = [
        _country(code, path, by_code.get(code), whose, focus)
        for code, path in data["countries"].items()
    ]
    body = [
        el("path", class_="sphere", d=data["outline"], fill="#f1f5f9", stroke="#cbd5e1",
           transform=f"scale({unit})"),
        el("g", None, *countries, transform=f"scale({unit})", stroke="#fff", stroke_width=1),
    ]
    for code, (x, y) in data["points"].items():
        row = by_code.get(code)
        if row is not None:  # small states only when covered: 60 grey dots would be noise
            dot = el("circle", None, el("title", _tip(row, whose)), class_="country covered",
                     cx=x, cy=y, r=3.5, fill=colour(row.share), stroke="#475569",
                     stroke_width=0.6, data_code=code)
            body.append(dot)
    body += _legend(height + 4, focus)
    svg = el(
        "svg", None, *body, class_="chart map", data_chart="map", role="img",
        aria_label="Map of country coverage", viewBox=f"0 0 {width:.0f} {height + LEGEND_H:.0f}",
        width="100%", style=f"max-width:{width:.0f}px", xmlns="http://www.w3.org/2000/svg",
    )
    drawn = set(data["countries"]) | set(data["points"])
    return svg, [r for r in rows if r.code not in drawn]


def off_map_note(rows: Sequence[CountryRow]) -> str:
    """A line naming covered places the map has no shape for (e.g. codes of regions)."""
    if not rows:
        return ""
    listed = ", ".join(f"{r.name} ({r.code}) {r.share * 100:.1f} %" for r in rows[:12])
    more = f" and {len(rows) - 12} more" if len(rows) > 12 else ""
    return f'<p class="what">Not on the map: {escape(listed)}{more}.</p>'
