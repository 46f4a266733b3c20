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
        # json.dumps output is safe inside a <script> only once "<" is escaped.
        self.options_json = json.dumps(options, ensure_ascii=False).replace("<", "\\u003c")


def latlon(lon: float, lat: float) -> list[float]:
    """Leaflet order from GeoJSON order."""
    return [lat, lon]


# folium compiles its templates anew for every map (about 6 ms a page); the parts depend only on
# the arguments, and a site has few distinct maps (one per listing, ward and search language).
_BUILT = LRUCache(512)


def build_map(centre: tuple[float, float], zoom: int, tiles: dict | None, options: dict,
              element_id: str = "map") -> dict:
    """Return the parts of a map page: the map's <div> and its script."""
    key = json.dumps([centre, zoom, tiles, options, element_id], sort_keys=True, default=str)
    parts = _BUILT.get(key)
    if parts is None:
        parts = _render_map(centre, zoom, tiles, options, element_id)
        _BUILT.put(key, parts)
    return dict(parts)  # a copy: the cached parts are never changed by a page


def _render_map(centre: tuple[float, float], zoom: int, tiles: dict | None, options: dict,
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
