"""Folium maps for the pages. The map shell comes from folium; points and ward boundaries are
fetched as GeoJSON by static/assetmap.js, which builds every label from text, never HTML.

This is also the one place where coordinate order flips: Leaflet takes [lat, lon], GeoJSON
gives (lon, lat).
"""
from __future__ import annotations

import json

import folium
from branca.element import MacroElement
from jinja2 import Template

from app.cache import LRUCache

# How each category looks on the map: letters and a shape, so the key works without colour.
CATEGORY_MARKS = {
    "group_activity": ("Gr", ""),
    "community_centre": ("Ce", "shape-square"),
    "library": ("Li", "shape-square"),
    "listening_bench": ("Be", "shape-diamond"),
    "cafe": ("Ca", ""),
    "faith_centre": ("Fa", "shape-diamond"),
    "park": ("Pa", ""),
    "advice_support": ("Ad", "shape-square"),
    "health_service": ("GP", "shape-diamond"),
}


class LocalMap(folium.Map):
    """A folium map that loads nothing from other sites: the page supplies Leaflet itself."""

    default_js: list = []
    default_css: list = []


class AssetLayers(MacroElement):
    """Hand the map to static/assetmap.js with the URLs and words it needs."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            window.assetMap.start({{ this._parent.get_name() }}, {{ this.options_json }});
        {% endmacro %}
    """)

    def __init__(self, options: dict):
        super().__init__()
        self._name = "AssetLayers"
        self.options_json = _options_json(options)


def latlon(lon: float, lat: float) -> list[float]:
    """Leaflet order from GeoJSON order."""
    return [lat, lon]


# folium compiles its templates anew for every map, and looks its tile server up in a list of
# hundreds (about 10 ms a page: half of a listing page's time). The shell of a map depends only on
# its zoom, tiles and element, so it is made once with stand-ins for the centre and the options,
# and each page puts its own in: a site has thousands of listings but only a few kinds of map.
_BUILT = LRUCache(64)
_CENTRE_MARK = (-89.0123456789, 179.0123456789)  # a place no map of ours is centred on
_OPTIONS_MARK = "__ASSET_LAYERS_OPTIONS__"


def build_map(centre: tuple[float, float], zoom: int, tiles: dict | None, options: dict,
              element_id: str = "map") -> dict:
    """Return the parts of a map page: the map's <div> and its script."""
    key = json.dumps([zoom, tiles, element_id], sort_keys=True, default=str)
    parts = _BUILT.get(key)
    if parts is None:
        parts = _render_map(_CENTRE_MARK, zoom, tiles, _OPTIONS_MARK, element_id)
        # Each stand-in must appear exactly once, or putting the real values in could go wrong.
        assert parts["script"].count(json.dumps(list(_CENTRE_MARK))) == 1, "folium changed how it writes the centre"
        assert parts["script"].count(_OPTIONS_MARK) == 1
        _BUILT.put(key, parts)
    script = (parts["script"].replace(json.dumps(list(_CENTRE_MARK)), json.dumps([float(c) for c in centre]))
              .replace(_OPTIONS_MARK, _options_json(options)))
    return {"html": parts["html"], "script": script}


def _options_json(options) -> str:
    """The options as JavaScript; json.dumps output is safe inside a <script> only once "<" is escaped."""
    if options == _OPTIONS_MARK:
        return _OPTIONS_MARK
    return json.dumps(options, ensure_ascii=False).replace("<", "\\u003c")


def _render_map(centre: tuple[float, float], zoom: int, tiles: dict | None, options,
                element_id: str) -> dict:
    fmap = LocalMap(location=list(centre), zoom_start=zoom, tiles=None, control_scale=True)
    # A stable id, so the page's CSS and tests can find it; it is also a JavaScript name.
    assert element_id.isidentifier(), element_id
    fmap._id = element_id
    fmap._name = "map"
    if tiles and tiles.get("url"):
        folium.TileLayer(tiles=tiles["url"], attr=tiles["attribution"], name="tiles",
                         max_zoom=tiles.get("max_zoom", 19)).add_to(fmap)
    AssetLayers(options).add_to(fmap)
    figure = fmap.get_root()
    figure.render()
    return {"html": figure.html.render(), "script": figure.script.render()}
