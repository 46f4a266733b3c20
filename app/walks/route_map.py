"""A walk's route map drawn on our server as SVG: black on white, no tiles, so it prints crisply on any printer.

Built with xml.etree, which escapes every listing name that lands in it. Drawing is by hand: a
map library would bring tiles and scripts the printed sheet has no use for, and this map is a few
lines, circles and words.
"""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import shapely
from markupsafe import Markup

from app.walks.sheet import Mark, Route

# The drawing's size in its own units: the shape of the box it fills on A4 (CSS scales it to the paper).
WIDTH, HEIGHT = 1000, 650
SIDE, TOP, BOTTOM = 50, 60, 60   # room for the north arrow above and the scale bar below
MIN_SPAN_M = 800              # a walk round one street still shows the streets around it
PADDING = 0.12                # of the route's extent, on each side
RADIUS = 24                   # a stop's circle: about 9 mm across on A4
SCALE_LENGTHS_M = (50, 100, 200, 250, 500, 1000, 2000, 5000, 10000)
FONT = "Arial, Helvetica, sans-serif"
INK = "#000"
PAPER = "#fff"


class _Frame:
    """Turns British National Grid metres into the drawing's units (north up)."""

    def __init__(self, bounds: tuple[float, float, float, float]):
        minx, miny, maxx, maxy = bounds
        span_x = max((maxx - minx) * (1 + 2 * PADDING), MIN_SPAN_M)
        span_y = max((maxy - miny) * (1 + 2 * PADDING), MIN_SPAN_M)
        self.cx, self.cy = (minx + maxx) / 2, (miny + maxy) / 2
        self.scale = min((WIDTH - 2 * SIDE) / span_x, (HEIGHT - TOP - BOTTOM) / span_y)
        self.height = HEIGHT

    def __call__(self, point) -> tuple[float, float]:
        x = WIDTH / 2 + (point[0] - self.cx) * self.scale
        y = TOP + (HEIGHT - TOP - BOTTOM) / 2 - (point[1] - self.cy) * self.scale
        return round(x, 1), round(y, 1)


def _num(value: float) -> str:
    return f"{value:g}"


def _path_data(lines, frame: _Frame, closed: bool = False) -> str:
    parts = []
    for line in lines:
        xy = [frame(p) for p in line]
        if len(xy) < 2:
            continue
        parts.append("M" + " L".join(f"{_num(x)} {_num(y)}" for x, y in xy) + (" Z" if closed else ""))
    return " ".join(parts)


def _rings(outline: shapely.Geometry):
    for polygon in getattr(outline, "geoms", [outline]):
        if isinstance(polygon, shapely.Polygon):
            yield polygon.exterior.coords
            for ring in polygon.interiors:
                yield ring.coords


def _spread(marks: tuple[Mark, ...], frame: _Frame) -> list[tuple[Mark, tuple[float, float], tuple[float, float]]]:
    """Each mark with its true place and where its marker goes: overlapping markers are fanned round their place."""
    groups: list[list[tuple[Mark, tuple[float, float]]]] = []
    for mark in marks:
        xy = frame(mark.point)
        group = next((g for g in groups if math.dist(g[0][1], xy) < 2 * RADIUS + 2), None)
        if group is None:
            groups.append([(mark, xy)])
        else:
            group.append((mark, xy))
    placed = []
    for group in groups:
        (x, y), count = group[0][1], len(group)
        if count == 1:
            placed.append((group[0][0], (x, y), (x, y)))
            continue
        # Two side by side; more round a circle just wide enough for them not to touch.
        ring = RADIUS + 3 if count == 2 else (RADIUS + 3) / math.sin(math.pi / count)
        for i, (mark, true_xy) in enumerate(group):
            angle = math.pi * (i + 1) if count == 2 else -math.pi / 2 + 2 * math.pi * i / count
            at = (round(x + ring * math.cos(angle), 1), round(y + ring * math.sin(angle), 1))
            placed.append((mark, true_xy, at))
    return placed


def _text(parent, x, y, words: str, size: int, fill: str = INK, anchor: str = "middle", weight: str = "bold"):
    element = ET.SubElement(parent, "text", {
        "x": _num(x), "y": _num(y), "font-family": FONT, "font-size": str(size), "font-weight": weight,
        "text-anchor": anchor, "dominant-baseline": "central", "fill": fill})
    element.text = words
    return element


def _marker(parent, mark: Mark, true_xy, at) -> None:
    group = ET.SubElement(parent, "g", {"class": mark.kind, "data-key": mark.key})
    ET.SubElement(group, "title").text = mark.name
    if true_xy != at:  # fanned out: a thin line back to where it really is
        ET.SubElement(group, "line", {"x1": _num(true_xy[0]), "y1": _num(true_xy[1]), "x2": _num(at[0]),
                                      "y2": _num(at[1]), "stroke": INK, "stroke-width": "2"})
        ET.SubElement(group, "circle", {"cx": _num(true_xy[0]), "cy": _num(true_xy[1]), "r": "4", "fill": INK})
    x, y = at
    if mark.kind == "stop":
        ET.SubElement(group, "circle", {"cx": _num(x), "cy": _num(y), "r": str(RADIUS), "fill": PAPER,
                                        "stroke": INK, "stroke-width": "3"})
        _text(group, x, y, mark.label, 28 if len(mark.label) < 3 else 21)
    else:  # the start and the end: white letters on a black square, unlike any stop
        ET.SubElement(group, "rect", {"x": _num(x - RADIUS), "y": _num(y - RADIUS), "width": str(2 * RADIUS),
                                      "height": str(2 * RADIUS), "fill": INK})
        _text(group, x, y, mark.label, 28, fill=PAPER)


def _scale_bar(parent, frame: _Frame) -> None:
    metres = max((m for m in SCALE_LENGTHS_M if m * frame.scale <= WIDTH * 0.3), default=SCALE_LENGTHS_M[0])
    length = metres * frame.scale
    x, y = SIDE, frame.height - BOTTOM / 2 + 5
    bar = ET.SubElement(parent, "g", {"class": "scale-bar"})
    # On white, so a boundary or route passing behind never runs through its words.
    ET.SubElement(bar, "rect", {"class": "backing", "x": _num(x - 30), "y": _num(y - 40),
                                "width": _num(round(length + 90, 1)), "height": "58", "fill": PAPER})
    for i in range(4):  # alternate black and white quarters, as on a printed map
        ET.SubElement(bar, "rect", {"x": _num(round(x + i * length / 4, 1)), "y": _num(y),
                                    "width": _num(round(length / 4, 1)),
                                    "height": "10", "fill": INK if i % 2 == 0 else PAPER, "stroke": INK,
                                    "stroke-width": "2"})
    _text(bar, x, y - 20, "0", 24, weight="normal")
    _text(bar, round(x + length, 1), y - 20, f"{metres / 1000:g} km" if metres >= 1000 else f"{metres} m", 24,
          weight="normal")


def _north_arrow(parent) -> None:
    x, y = WIDTH - SIDE - 10, 20
    arrow = ET.SubElement(parent, "g", {"class": "north-arrow"})
    ET.SubElement(arrow, "rect", {"x": _num(x - 26), "y": _num(y - 18), "width": "52", "height": "90", "fill": PAPER})
    ET.SubElement(arrow, "polygon", {"points": f"{x},{y + 18} {x + 18},{y + 66} {x},{y + 52} {x - 18},{y + 66}",
                                     "fill": INK})
    _text(arrow, x, y, "N", 28)


def route_map(walk_route: Route, outline: shapely.Geometry | None, label: str) -> Markup:
    """The route as an inline <svg role="img">: the ward's outline (dashed), the route (a thick line),
    numbered stops in circles, the start (S) and end (E) in squares, a scale bar and a north arrow."""
    # Framed on the route, so stops a street apart stand apart; the ward's
    # outline is drawn where it falls in the frame (all of it when the route spans the ward).
    if walk_route.marks:
        bounds = shapely.MultiPoint(walk_route.points()).bounds
    elif outline is not None and not outline.is_empty:
        bounds = outline.bounds
    else:
        bounds = (0.0, 0.0, 0.0, 0.0)
    frame = _Frame(bounds)
    svg = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "viewBox": f"0 0 {WIDTH} {frame.height}",
                             "class": "route-map", "role": "img", "aria-label": label})
    ET.SubElement(svg, "rect", {"width": str(WIDTH), "height": str(frame.height), "fill": PAPER})
    if outline is not None and not outline.is_empty:
        ET.SubElement(svg, "path", {"class": "ward-outline", "d": _path_data(_rings(outline), frame, closed=True),
                                    "fill": "none", "stroke": INK, "stroke-width": "3", "stroke-dasharray": "14 8"})
    if walk_route.legs:
        ET.SubElement(svg, "path", {"class": "route", "d": _path_data(walk_route.legs, frame), "fill": "none",
                                    "stroke": INK, "stroke-width": "6", "stroke-linejoin": "round",
                                    "stroke-linecap": "round"})
    for mark, true_xy, at in _spread(walk_route.marks, frame):
        _marker(svg, mark, true_xy, at)
    _scale_bar(svg, frame)
    _north_arrow(svg)
    return Markup(ET.tostring(svg, encoding="unicode"))
