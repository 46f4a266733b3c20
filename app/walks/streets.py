"""Street networks: real walking distances along an OpenStreetMap extract's paths and streets.

Built once (`assetmap streets`): `build_network` reads the area's `.osm.pbf`/`.osm` extract with
pyosmium, keeps the ways people may walk, projects their nodes to British National Grid
(EPSG:27700) and saves a compact graph (`.npz`). At run time `StreetNetwork` loads that file once
and answers the walk planner: `metres(points)` (an n x n matrix of walking metres) and
`path(a, b)` (the leg's line), with scipy's Dijkstra over the graph.

A point is snapped to its nearest network node; a pair the network does not join (or a point far
from every street) gets the straight line x ROUTE_FACTOR, as without a street network.
"""
from __future__ import annotations

import math
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from app.assets.search import ROUTE_FACTOR
from app.places.geocode import wgs84_to_bng

# Ways a person can walk along. Motorways (and their slip roads), ways under construction or only
# proposed, raceways and bus guideways are left out.
WALKABLE_HIGHWAYS = frozenset({
    "footway", "path", "pedestrian", "steps", "living_street", "residential", "service", "unclassified",
    "track", "cycleway", "bridleway", "corridor", "road", "crossing",
    "tertiary", "tertiary_link", "secondary", "secondary_link", "primary", "primary_link", "trunk", "trunk_link",
})
# foot=... values that forbid walking (use_sidepath: walk the separately mapped pavement instead)
FOOT_FORBIDDEN = frozenset({"no", "private", "use_sidepath"})
ACCESS_FORBIDDEN = frozenset({"no", "private"})
FOOT_ALLOWED = frozenset({"yes", "designated", "permissive", "official"})
# A point further than this from every node is not on the network (the extract does not cover it):
# its pairs are the straight line x ROUTE_FACTOR.
MAX_SNAP_METRES = 400.0
SAME_POINT_METRES = 0.5
FORMAT = 1


class StreetNetworkError(Exception):
    """The extract or the built graph could not be read, or holds no walkable streets."""


@dataclass(frozen=True)
class BuildReport:
    source: Path
    out_path: Path
    ways_read: int       # ways with a highway tag
    ways_kept: int       # of those, the walkable ones
    nodes: int           # network nodes (every node of a kept way)
    edges: int           # segments between them
    metres: float        # their total length

    def lines(self) -> list[str]:
        return [
            f"Read {self.ways_read} ways tagged highway from {self.source}.",
            f"Kept {self.ways_kept} walkable ways: {self.nodes} nodes, {self.edges} segments, "
            f"{self.metres / 1000:.1f} km of walking paths and streets.",
            f"Wrote {self.out_path}",
        ]


def is_walkable(tags) -> bool:
    """Say whether a way with these OSM tags (a mapping) may be walked along."""
    if tags.get("highway") not in WALKABLE_HIGHWAYS:
        return False
    foot = tags.get("foot")
    if foot in FOOT_FORBIDDEN:
        return False
    if tags.get("access") in ACCESS_FORBIDDEN and foot not in FOOT_ALLOWED:
        return False
    return True


def read_extract(osm_path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Read the walkable ways: (lats, lons, edge u, edge v, ways read, ways kept), u/v indexing the lat/lon arrays."""
    import osmium

    osm_path = Path(osm_path)
    if not osm_path.is_file():
        raise StreetNetworkError(f"the street network file {osm_path} does not exist")
    index: dict[int, int] = {}
    lats: list[float] = []
    lons: list[float] = []
    us: list[int] = []
    vs: list[int] = []
    ways_read = ways_kept = 0
    processor = (osmium.FileProcessor(str(osm_path)).with_locations()
                 .with_filter(osmium.filter.KeyFilter("highway")))
    try:
        for obj in processor:
            if not obj.is_way():
                continue
            ways_read += 1
            if not is_walkable(obj.tags):
                continue
            ways_kept += 1
            previous = None
            for node in obj.nodes:
                if not node.location.valid():  # a node outside the extract: the way is cut there
                    previous = None
                    continue
                i = index.get(node.ref)
                if i is None:
                    i = index[node.ref] = len(lats)
                    lats.append(node.location.lat)
                    lons.append(node.location.lon)
                if previous is not None and previous != i:
                    us.append(previous)
                    vs.append(i)
                previous = i
    except RuntimeError as exc:  # pyosmium reports unreadable files (bad XML, bad PBF, unknown format) so
        raise StreetNetworkError(f"could not read the street network file {osm_path}: {exc}") from None
    if not us:
        raise StreetNetworkError(
            f"the street network file {osm_path} has no walkable streets or paths "
            f"({ways_read} ways tagged highway, {ways_kept} walkable, none with two located nodes)")
    return (np.array(lats), np.array(lons), np.array(us, dtype=np.int32), np.array(vs, dtype=np.int32),
            ways_read, ways_kept)


def build_network(osm_path: str | Path, out_path: str | Path) -> BuildReport:
    """Turn an OpenStreetMap extract into a walking graph saved at out_path (.npz); report what was read.

    Raises StreetNetworkError for a missing, unreadable or empty file; out_path is then left as it was.
    """
    osm_path, out_path = Path(osm_path), Path(out_path)
    lats, lons, u, v, ways_read, ways_kept = read_extract(osm_path)
    eastings, northings = wgs84_to_bng(lats, lons)
    # One edge per pair of nodes, the shorter if two ways join them (a sparse matrix would add them up).
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    metres = np.hypot(eastings[lo] - eastings[hi], northings[lo] - northings[hi])
    order = np.lexsort((metres, hi, lo))
    lo, hi, metres = lo[order], hi[order], metres[order]
    first = np.ones(len(lo), dtype=bool)
    first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    lo, hi, metres = lo[first], hi[first], metres[first]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target then moved over it, so a failed build never leaves half a graph.
    handle, tmp = tempfile.mkstemp(dir=out_path.parent, prefix=out_path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez_compressed(out, format=np.int32(FORMAT), source=np.str_(str(osm_path.resolve())),
                                eastings=eastings, northings=northings, u=lo, v=hi, metres=metres)
        os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return BuildReport(osm_path, out_path, ways_read, ways_kept, len(eastings), len(lo), float(metres.sum()))


def built_source(graph_path: str | Path) -> Path | None:
    """The extract a built graph was made from (None if the file is not a graph this code can read)."""
    try:
        with np.load(graph_path) as data:
            if int(data["format"]) != FORMAT:
                return None
            return Path(str(data["source"]))
    except (OSError, ValueError, KeyError):
        return None


class _Graph:
    def __init__(self, graph_path: Path):
        try:
            with np.load(graph_path) as data:
                if int(data["format"]) != FORMAT:
                    raise StreetNetworkError(f"{graph_path} was built by another version: run `assetmap streets`")
                self.eastings, self.northings = data["eastings"], data["northings"]
                u, v, metres = data["u"], data["v"], data["metres"]
        except (OSError, ValueError, KeyError) as exc:
            raise StreetNetworkError(f"could not read the street network graph {graph_path}: {exc}") from None
        n = len(self.eastings)
        # Both directions stored and searched as a directed graph: scipy's directed=False mode
        # symmetrises the matrix on every call, which made 60 searches on a city 8 times slower.
        self.matrix = csr_matrix((np.concatenate([metres, metres]), (np.concatenate([u, v]), np.concatenate([v, u]))),
                                 shape=(n, n))
        self.tree = cKDTree(np.column_stack([self.eastings, self.northings]))


class StreetNetwork:
    """A built walking graph, loaded on first use and then kept: walking metres and paths between points.

    Points are (easting, northing) in British National Grid (EPSG:27700).
    """

    basis = "walking paths and streets from OpenStreetMap, at an easy 3 km an hour"

    def __init__(self, graph_path: str | Path, cache_sources: int = 64):
        self.graph_path = Path(graph_path)
        self._graph: _Graph | None = None
        self._lock = threading.Lock()
        # Shortest-path trees from recent sources (node -> (distances, predecessors)), so the legs
        # of a route just planned by metres() are drawn by path() without searching again. About
        # 0.4 MB a source on a 50,000-node city network.
        self._trees: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cache_sources = cache_sources

    @property
    def graph(self) -> _Graph:
        if self._graph is None:
            with self._lock:
                if self._graph is None:
                    self._graph = _Graph(self.graph_path)
        return self._graph

    def _snap(self, points) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(points as an n x 2 array, nearest node of each, distance to it in metres)."""
        xy = np.asarray(points, dtype=float).reshape(-1, 2)
        if not np.isfinite(xy).all():
            raise ValueError("every point needs a finite easting and northing")
        snap, nodes = self.graph.tree.query(xy)
        return xy, np.asarray(nodes, dtype=np.int64), np.asarray(snap, dtype=float)

    def _trees_from(self, sources: np.ndarray) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Distances and predecessors from each source node, searching only for those not cached."""
        sources = [int(s) for s in sources]
        with self._lock:
            found = {}
            for s in sources:
                if s in self._trees:
                    self._trees.move_to_end(s)
                    found[s] = self._trees[s]
        missing = np.array(sorted(set(sources) - set(found)), dtype=np.int64)
        if len(missing):
            distances, predecessors = dijkstra(self.graph.matrix, directed=True, indices=missing,
                                               return_predecessors=True)
            with self._lock:
                for row, s in enumerate(missing.tolist()):
                    found[s] = self._trees[s] = (distances[row].astype(np.float32), predecessors[row])
                while len(self._trees) > self._cache_sources:
                    self._trees.popitem(last=False)
        return found

    def metres(self, points) -> np.ndarray:
        """Whole walking metres between every pair of points (n x n, symmetric, zero on the diagonal, never infinite)."""
        xy, nodes, snap = self._snap(points)
        n = len(xy)
        straight = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
        fallback = straight * ROUTE_FACTOR
        if n == 0:
            return fallback
        unique, inverse = np.unique(nodes, return_inverse=True)
        trees = self._trees_from(unique)
        along = np.vstack([trees[s][0][unique] for s in unique.tolist()])[np.ix_(inverse, inverse)]
        walked = along + snap[:, None] + snap[None, :]
        off = snap > MAX_SNAP_METRES
        usable = np.isfinite(walked) & ~off[:, None] & ~off[None, :]
        result = np.where(usable, walked, fallback)
        # Walking is the same both ways, and in whole metres (finer is noise): python-tsp's
        # Lin-Kernighan never finished on 60 city stops given metres that differed in the last digits.
        result = np.round(np.minimum(result, result.T))
        np.fill_diagonal(result, 0.0)
        return result

    def nearest_metres(self, sources, targets) -> np.ndarray:
        """For each target point, the walking metres to its nearest source point (one search for all sources).

        The search starts from a spare node joined to every source's street point by the walk to
        it, so one pass finds each street point's nearest source. A target the streets do not reach,
        or over MAX_SNAP_METRES from any street, gets the straight line x ROUTE_FACTOR to its nearest
        source, as metres() does; with no sources at all, every target is infinitely far.
        """
        source_xy, source_nodes, source_snap = self._snap(sources)
        target_xy, target_nodes, target_snap = self._snap(targets)
        if len(source_xy) == 0:
            return np.full(len(target_xy), np.inf)
        straight, _ = cKDTree(source_xy).query(target_xy)
        fallback = straight * ROUTE_FACTOR
        usable_sources = source_snap <= MAX_SNAP_METRES
        if not usable_sources.any():
            return fallback
        graph = self.graph.matrix
        n = graph.shape[0]
        joined = csr_matrix((source_snap[usable_sources], (np.full(usable_sources.sum(), n), source_nodes[usable_sources])),
                            shape=(n + 1, n + 1))
        grown = csr_matrix((graph.data, graph.indices, graph.indptr.tolist() + [graph.nnz]), shape=(n + 1, n + 1))
        along = dijkstra(grown + joined, directed=True, indices=n)[:n]
        walked = along[target_nodes] + target_snap
        usable = np.isfinite(walked) & (target_snap <= MAX_SNAP_METRES)
        return np.where(usable, walked, fallback)

    def path(self, a, b) -> list[tuple[float, float]]:
        """The walking line from a to b: a, the network nodes in between, b (just [a, b] with no path)."""
        xy, nodes, snap = self._snap([a, b])
        start, end = (float(xy[0, 0]), float(xy[0, 1])), (float(xy[1, 0]), float(xy[1, 1]))
        if (snap > MAX_SNAP_METRES).any():
            return [start, end]
        source, target = int(nodes[0]), int(nodes[1])
        _, predecessors = self._trees_from(np.array([source]))[source]
        line = []
        node = target
        while node != source:
            if node < 0:  # no path: the scipy predecessor of an unreachable node is -9999
                return [start, end]
            line.append(node)
            node = int(predecessors[node])
        line.append(source)
        line.reverse()
        g = self.graph
        between = [(float(g.eastings[i]), float(g.northings[i])) for i in line]
        # A stop standing on a node would repeat its point (OSM keeps positions to about a centimetre)
        if between and math.dist(between[0], start) < SAME_POINT_METRES:
            between.pop(0)
        if between and math.dist(between[-1], end) < SAME_POINT_METRES:
            between.pop()
        return [start, *between, end]


def usable_network(area, graph_path: str | Path) -> StreetNetwork | None:
    """The area's street network, if it names one and the graph at graph_path was built from that same extract."""
    source = area.street_network
    graph_path = Path(graph_path)
    if source is None or not graph_path.is_file() or built_source(graph_path) != source.resolve():
        return None
    return StreetNetwork(graph_path)


def init_app(app) -> None:
    """Offer the area's built street network to the walk planner as app.extensions["street_network"].

    Only when the area names one and `assetmap streets` has built it from that same extract; the
    graph itself is read on the first plan, not at start-up. Otherwise planners use the straight line.
    """
    source = app.config["AREA"].street_network
    if source is None:
        return
    graph_path = Path(app.config["STREET_GRAPH"])
    built_from = built_source(graph_path) if graph_path.is_file() else None
    if built_from is None:
        app.logger.warning("The area names the street network %s but it is not built yet: walks use the "
                           "straight line x %s until `assetmap streets` is run.", source, ROUTE_FACTOR)
        return
    if built_from != source.resolve():
        app.logger.warning("The street network graph %s was built from %s, not the area's %s: walks use the "
                           "straight line x %s until `assetmap streets` is run.", graph_path, built_from, source,
                           ROUTE_FACTOR)
        return
    app.extensions["street_network"] = StreetNetwork(graph_path)
