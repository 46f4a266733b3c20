"""Street networks: the graph built from an OpenStreetMap extract the test writes, and the walking
metres and paths it gives (app/walks/streets.py), and the area config that switches it on.

The extract is laid out on British National Grid (metres) near Leicester (52.63, -1.13) and written
as lon/lat, so every walking distance below is a known sum of segment lengths:

        NW (600,700) ---------------- NE (1000,700)         island: I1 (3000,0) - I2 (3000,100)
               `  .  footway shortcut     |
                      `  .                |
    N0 (0,300) ---- N1 (500,300) ---- N2 (1000,300)         north street
     |  motorway     |  service, foot=no   |  footbridge
    ~~~~~~~~~~~~~~~~~~~~~~~~ river ~~~~~~~~|~~~~~~~~~~~~~
     |  track,       |                     |
     |  access=private                     |
    S0 (0,0) ------ S1 (500,0) ------ S2 (1000,0)           south street
                     |
                     D (500,-200)   dead end
"""
from __future__ import annotations

import math
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from app import create_app
from app.cli import cli
from app.config import STREET_NETWORK_CREDIT, load_area
from app.places.geocode import bng_to_wgs84
from app.walks.streets import MAX_SNAP_METRES, StreetNetwork, StreetNetworkError, build_network, built_source

E0, N0_ = 458_000.0, 305_000.0  # about 52.630, -1.131
NODES = {
    1: (0, 0), 2: (500, 0), 3: (1000, 0),          # S0 S1 S2
    4: (0, 300), 5: (500, 300), 6: (1000, 300),    # N0 N1 N2
    7: (1000, 700), 8: (600, 700),                 # NE NW
    9: (500, -200),                                # D
    10: (3000, 0), 11: (3000, 100),                # island
}
WAYS = [  # (id, node ids, tags)
    (100, [1, 2, 3], {"highway": "residential", "name": "South Street"}),
    (101, [4, 5, 6], {"highway": "residential", "name": "North Street"}),
    (102, [3, 6], {"highway": "footway", "bridge": "yes"}),
    (103, [6, 7, 8], {"highway": "residential", "name": "Hill Road"}),
    (104, [6, 8], {"highway": "footway"}),
    (105, [2, 9], {"highway": "residential", "name": "Dead End Close"}),
    (106, [1, 4], {"highway": "motorway"}),
    (107, [2, 5], {"highway": "service", "foot": "no"}),
    (108, [1, 4], {"highway": "track", "access": "private"}),
    (109, [10, 11], {"highway": "service"}),
    (110, [1, 2], {"waterway": "river"}),          # not a highway at all
    (111, [2, 1], {"highway": "footway", "footway": "sidewalk"}),  # the pavement, on the street's own nodes
]


def at(node: int) -> tuple[float, float]:
    x, y = NODES[node]
    return (E0 + x, N0_ + y)


def write_osm(path, nodes=NODES, ways=WAYS):
    """Write an OSM XML extract of these nodes (BNG offsets) and ways."""
    ids = sorted(nodes)
    lats, lons = bng_to_wgs84([E0 + nodes[i][0] for i in ids], [N0_ + nodes[i][1] for i in ids])
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6" generator="test_streets">']
    lines += [f'<node id="{i}" version="1" lat="{lat:.9f}" lon="{lon:.9f}"/>' for i, lat, lon in zip(ids, lats, lons)]
    for way_id, refs, tags in ways:
        lines.append(f'<way id="{way_id}" version="1">')
        lines += [f'<nd ref="{r}"/>' for r in refs]
        lines += [f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("streets")
    osm = write_osm(folder / "streets.osm")
    report = build_network(osm, folder / "streets.npz")
    return osm, report, StreetNetwork(folder / "streets.npz")


@pytest.fixture(scope="module")
def network(built):
    return built[2]


def test_build_reports_what_it_read_and_kept(built):
    osm, report, _ = built
    assert report.ways_read == 11   # the river has no highway tag
    assert report.ways_kept == 8    # not the motorway, the foot=no service road or the private track
    assert report.nodes == 11
    # South 2, North 2, bridge 1, Hill Road 2, shortcut 1, dead end 1, island 1 (the pavement is S0-S1 again)
    assert report.edges == 10
    assert report.metres == pytest.approx(1000 + 1000 + 300 + 800 + math.hypot(400, 400) + 200 + 100, abs=0.5)
    assert built_source(report.out_path) == osm.resolve()
    assert "Kept 8 walkable ways: 11 nodes, 10 segments" in "\n".join(report.lines())


def test_metres_are_the_sum_of_the_streets_walked(network):
    s0, s2, n0, n2, nw, d = at(1), at(3), at(4), at(6), at(8), at(9)
    m = network.metres([s0, s2, n0, n2, nw, d])
    assert m.shape == (6, 6)
    assert np.array_equal(m, m.T) and np.array_equal(m, np.round(m))
    assert np.all(np.diag(m) == 0)
    assert m[0, 1] == pytest.approx(1000, abs=1)  # S0-S1 once, though the street and its pavement both join them
    # Across the river only by the footbridge: 300 m apart, 2300 m to walk. Not the motorway (300),
    # the private track (300) or the service road marked foot=no (1300).
    assert m[0, 2] == pytest.approx(1000 + 300 + 1000, abs=1)
    # The footway shortcut, not the road round (800)
    assert m[3, 4] == pytest.approx(math.hypot(400, 400), abs=1)
    # The dead end: back up to South Street, then along it
    assert m[5, 0] == pytest.approx(200 + 500, abs=1)
    assert m[5, 4] == pytest.approx(200 + 500 + 300 + math.hypot(400, 400), abs=1)


def test_points_off_the_street_are_snapped_and_the_distance_added(network):
    near_s0 = (E0 + 0, N0_ - 30)          # 30 m south of S0
    near_n0 = (E0 - 40, N0_ + 300)        # 40 m west of N0
    m = network.metres([near_s0, near_n0])
    assert m[0, 1] == pytest.approx(30 + 2300 + 40, abs=1)


def test_unconnected_or_far_points_get_the_straight_line_times_the_route_factor(network):
    island, s0 = at(10), at(1)
    far = (E0, N0_ - MAX_SNAP_METRES - 1000)  # nearest node S0 is 1400 m away: the extract does not cover it
    m = network.metres([s0, island, far, at(3)])
    assert np.isfinite(m).all()
    assert m[0, 1] == pytest.approx(3000 * 1.3, abs=0.5)
    assert m[1, 3] == pytest.approx(2000 * 1.3, abs=0.5)
    assert m[2, 0] == pytest.approx((MAX_SNAP_METRES + 1000) * 1.3, abs=0.5)
    assert m[0, 3] == pytest.approx(1000, abs=1)  # the others still walk the streets
    assert network.path(s0, island) == [s0, island]
    assert network.path(far, s0) == [far, s0]


def test_path_follows_the_streets(network):
    line = network.path(at(1), at(4))
    expected = [at(1), at(2), at(3), at(6), at(5), at(4)]
    assert len(line) == len(expected)
    for got, want in zip(line, expected):
        assert got == pytest.approx(want, abs=0.01)
    off = (E0 + 480, N0_ - 20)
    line = network.path(off, at(8))
    assert line[0] == off and line[-1] == at(8)
    # snapped to S1, then by the footbridge and the footway shortcut; the stop at NW stands on its node
    assert np.allclose(line[1:-1], [at(2), at(3), at(6)], atol=0.01)


def test_paths_after_metres_agree_with_it(network):
    points = [at(1), at(4), at(8), at(9)]
    m = network.metres(points)
    for i, a in enumerate(points):
        for j, b in enumerate(points):
            line = np.array(network.path(a, b))
            assert np.hypot(*np.diff(line, axis=0).T).sum() == pytest.approx(m[i, j], abs=1)


def test_bad_points_are_refused(network):
    with pytest.raises(ValueError, match="finite"):
        network.metres([at(1), (float("nan"), 1.0)])
    assert network.metres([]).shape == (0, 0)


@pytest.mark.parametrize("content, message", [
    ("", "could not read"),
    ("<osm><node id='1' lat='52.6' lon=", "could not read"),
    ("<?xml version='1.0'?><osm version='0.6'></osm>", "no walkable streets"),
])
def test_broken_or_empty_files_are_refused_and_nothing_is_written(tmp_path, content, message):
    osm = tmp_path / "bad.osm"
    osm.write_text(content)
    out = tmp_path / "out.npz"
    with pytest.raises(StreetNetworkError, match=message):
        build_network(osm, out)
    assert list(tmp_path.iterdir()) == [osm]


def test_only_unwalkable_ways_are_refused(tmp_path):
    osm = write_osm(tmp_path / "motorway.osm", ways=[(1, [1, 2, 3], {"highway": "motorway"}),
                                                     (2, [4, 5], {"highway": "footway", "foot": "no"})])
    with pytest.raises(StreetNetworkError, match=r"no walkable streets or paths \(2 ways tagged highway, 0 walkable"):
        build_network(osm, tmp_path / "out.npz")


def test_a_pbf_that_is_not_one_and_a_missing_file(tmp_path):
    pbf = tmp_path / "x.osm.pbf"
    pbf.write_bytes(b"\x00\x01not a pbf" * 20)
    with pytest.raises(StreetNetworkError, match="could not read the street network file .*x.osm.pbf"):
        build_network(pbf, tmp_path / "out.npz")
    with pytest.raises(StreetNetworkError, match="does not exist"):
        build_network(tmp_path / "nowhere.osm", tmp_path / "out.npz")


def test_a_failed_build_keeps_the_graph_already_built(tmp_path, built):
    out = tmp_path / "streets.npz"
    shutil.copy(built[1].out_path, out)
    before = out.read_bytes()
    (tmp_path / "bad.osm").write_text("nonsense")
    with pytest.raises(StreetNetworkError):
        build_network(tmp_path / "bad.osm", out)
    assert out.read_bytes() == before


# The area configuration: [walks] street_network, `assetmap streets`, and the app using the graph.

@pytest.fixture
def area_with_streets(other_area):
    write_osm(other_area.parent / "streets.osm")
    with open(other_area, "a", encoding="utf-8") as handle:
        handle.write('[walks]\nstreet_network = "streets.osm"\n')
    return other_area


def test_the_area_names_its_street_network_and_credits_openstreetmap(area_with_streets, other_area):
    area = load_area(area_with_streets)
    assert area.street_network == area_with_streets.parent / "streets.osm"
    assert area.attribution[-1] == STREET_NETWORK_CREDIT
    assert "© OpenStreetMap contributors" in STREET_NETWORK_CREDIT


def test_an_area_without_a_street_network_walks_straight_lines(other_area, tmp_path):
    area = load_area(other_area)
    assert area.street_network is None
    assert STREET_NETWORK_CREDIT not in area.attribution
    app = create_app({"TESTING": True, "STREET_GRAPH": str(tmp_path / "none.npz")}, area_file=other_area)
    assert "street_network" not in app.extensions


def test_assetmap_streets_builds_the_graph_the_app_then_uses(area_with_streets, tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    monkeypatch.setenv("ASSETMAP_INSTANCE", str(instance))
    # Before it is built, the site starts and walks use the straight line.
    assert "street_network" not in create_app({"TESTING": True}, area_file=area_with_streets).extensions
    result = CliRunner().invoke(cli, ["--area", str(area_with_streets), "streets"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Kept 8 walkable ways: 11 nodes, 10 segments" in result.output
    assert (instance / "streets.npz").is_file()
    app = create_app({"TESTING": True}, area_file=area_with_streets)
    network = app.extensions["street_network"]
    assert isinstance(network, StreetNetwork)
    assert network.metres([at(1), at(4)])[0, 1] == pytest.approx(2300, abs=1)


def test_a_graph_built_from_another_extract_is_not_used(area_with_streets, tmp_path):
    other = write_osm(tmp_path / "elsewhere.osm")
    graph = tmp_path / "g.npz"
    build_network(other, graph)
    app = create_app({"TESTING": True, "STREET_GRAPH": str(graph)}, area_file=area_with_streets)
    assert "street_network" not in app.extensions


def test_assetmap_streets_refuses_a_broken_extract(area_with_streets, tmp_path):
    (area_with_streets.parent / "streets.osm").write_text("<osm>")
    out = tmp_path / "g.npz"
    result = CliRunner().invoke(cli, ["--area", str(area_with_streets), "streets", "--out", str(out)])
    assert result.exit_code == 2
    assert "could not read the street network file" in result.output
    assert "Nothing was built" in result.output
    assert not out.exists()


def test_assetmap_streets_without_a_street_network_named(other_area):
    result = CliRunner().invoke(cli, ["--area", str(other_area), "streets"])
    assert result.exit_code == 1
    assert "names no street network: set street_network in its [walks] section, or give --osm" in result.output


def test_a_walk_planned_on_the_network_walks_and_draws_its_streets(network):
    from app.walks.planner import Candidate, Candidates, End, make_plan

    found = Candidates(located=[Candidate(f"stop-{n}", f"Stop {n}", "cafe", "", at(n), 1, (), 1) for n in (4, 8, 9)])
    plan = make_plan(found, network, start=End("South Street", at(1)), end=End("South Street", at(1)))
    saved = plan.as_saved()
    assert saved["walking"] == network.basis and "OpenStreetMap" in saved["walking"]
    places = [at(1)] + [c.place for c in plan.stops] + [at(1)]
    legs = network.metres(places)
    assert [leg["metres"] for leg in saved["legs"]] == [round(legs[i, i + 1]) for i in range(len(places) - 1)]
    # Across the river by the footbridge: the first leg's line goes along the streets, not straight over.
    first = next(leg for leg in saved["legs"] if leg["to"] == 1 + [c.asset_id for c in plan.stops].index("stop-4"))
    assert len(first["path"]) > 2
    assert plan.route.walking_minutes == pytest.approx(sum(saved["legs"][i]["metres"] for i in range(len(legs) - 1)) / 50,
                                                       abs=0.1)


def test_nearest_source_for_many_points_in_one_search_agrees_with_metres(network):
    sources = [at(4), at(9)]                         # N0, and D at the dead end
    targets = [at(1), at(8), at(10), (E0 + 480, N0_ - 20)]
    nearest = network.nearest_metres(sources, targets)
    full = network.metres(sources + targets)
    for j in range(len(targets)):
        assert nearest[j] == pytest.approx(full[:2, 2 + j].min(), abs=1)
    assert nearest[0] == pytest.approx(700, abs=1)   # S0 to D: along South Street, down the close
    assert nearest[2] == pytest.approx(math.dist(at(10), at(9)) * 1.3, abs=1)  # the island: straight x 1.3
    assert np.isinf(network.nearest_metres([], targets)).all()
