"""Kazakhstan's outline as GeoJSON, for the branch finder's map (no tile server), from Natural Earth's
1:50m countries as the world-atlas package publishes them in TopoJSON:

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    .venv/bin/python scripts/kz_outline.py package/countries-50m.json \
        > src/birtereze/web/static/geo/kazakhstan.geojson

Natural Earth is in the public domain; world-atlas (ISC licence, Mike Bostock) converts it to TopoJSON.
Decoding TopoJSON: each arc is delta-encoded integer positions, scaled and translated by the transform.
"""

from __future__ import annotations

import json
import sys
from typing import Any

KAZAKHSTAN = "398"  # ISO 3166-1 numeric


def main(path: str) -> None:
    with open(path, encoding="utf-8") as source:
        topology = json.load(source)
    scale, translate = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append([round(x * scale[0] + translate[0], 4), round(y * scale[1] + translate[1], 4)])
        arcs.append(points)

    def ring(indexes: list[int]) -> list[list[float]]:
        points: list[list[float]] = []
        for index in indexes:
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(arc if not points else arc[1:])
        return points

    country: Any = next(
        g for g in topology["objects"]["countries"]["geometries"] if str(g.get("id")) == KAZAKHSTAN
    )
    if country["type"] == "Polygon":
        coordinates = [[ring(r) for r in country["arcs"]]]
    else:
        coordinates = [[ring(r) for r in polygon] for polygon in country["arcs"]]
    feature = {
        "type": "Feature",
        "properties": {"name": "Kazakhstan", "source": "Natural Earth 1:50m via world-atlas 2.0.2"},
        "geometry": {"type": "MultiPolygon", "coordinates": coordinates},
    }
    json.dump(feature, sys.stdout, separators=(",", ":"))


if __name__ == "__main__":
    main(sys.argv[1])
