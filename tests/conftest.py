from __future__ import annotations

import csv
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from app import create_app
from app.assets.pipeline import build
from app.config import PROJECT_ROOT, load_area

TEST_DATA = Path(__file__).parent / "data"
PROJECT_INSTANCE = PROJECT_ROOT / "instance"

# No test may write into the project's own instance folder (a developer's live database and
# secret key live there): every app, CLI run and test server gets a throwaway one instead.
_TEST_INSTANCE = tempfile.mkdtemp(prefix="assetmap-instance-")
os.environ["ASSETMAP_INSTANCE"] = _TEST_INSTANCE
os.environ.pop("ASSETMAP_AREA", None)
os.environ.pop("ASSETMAP_DATABASE", None)


def _instance_listing() -> list[tuple[str, int, int]]:
    if not PROJECT_INSTANCE.exists():
        return []
    return sorted((str(p.relative_to(PROJECT_INSTANCE)), p.stat().st_size, p.stat().st_mtime_ns)
                  for p in PROJECT_INSTANCE.rglob("*"))


_INSTANCE_BEFORE = _instance_listing()


def pytest_sessionfinish(session, exitstatus):
    """Fail the run if any test wrote into the project's instance folder."""
    shutil.rmtree(_TEST_INSTANCE, ignore_errors=True)
    after = _instance_listing()
    if after != _INSTANCE_BEFORE:
        changed = sorted(set(after) ^ set(_INSTANCE_BEFORE))
        session.config.get_terminal_writer().line(
            f"\nFAILED: tests changed the project's instance folder {PROJECT_INSTANCE}: {changed}", red=True)
        session.exitstatus = 1


@pytest.fixture(scope="session")
def area():
    """The bundled Leicester area configuration."""
    return load_area()


@pytest.fixture(scope="session")
def built_db(tmp_path_factory, area):
    """A database built once from the real data/assets.csv."""
    db_path = tmp_path_factory.mktemp("built") / "assetmap.db"
    report = build(area, db_path)
    return db_path, report


@pytest.fixture(scope="session")
def source_rows(area):
    """The rows of the bundled asset CSV, so tests derive their expectations from the data."""
    with open(area.assets_csv, encoding="utf-8-sig", newline="") as handle:
        return [{k.strip().lower(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


@pytest.fixture
def app(built_db):
    db_path, _ = built_db
    return create_app({"TESTING": True, "DATABASE": str(db_path)})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def write_csv(path: Path, rows: list[dict], header: list[str] | None = None, **kwargs) -> Path:
    """Write rows to a CSV file in the asset contract."""
    header = header or list(dict.fromkeys(k for row in rows for k in row))
    with open(path, "w", encoding=kwargs.get("encoding", "utf-8"), newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator=kwargs.get("lineterminator", "\n"))
        writer.writeheader()
        writer.writerows(rows)
    return path


def square(x0, y0, size=100):
    return shapely.box(x0, y0, x0 + size, y0 + size)


@pytest.fixture
def square_wards():
    """Four 100 m squares in a 2x2 grid (EPSG:27700), codes in reading order from bottom left."""
    e, n = 460000, 300000
    return gpd.GeoDataFrame(
        {"ward_code": ["E05000001", "E05000002", "E05000003", "E05000004"],
         "ward_name": ["South West", "South East", "North West", "North East"]},
        geometry=[square(e, n), square(e + 100, n), square(e, n + 100), square(e + 100, n + 100)],
        crs="EPSG:27700",
    )


@pytest.fixture
def live_db(built_db, tmp_path):
    """A copy of the built database made live, with connectors Asha and Ben and an admin."""
    from app import store
    from app.accounts import add_user

    db_path = tmp_path / "live.db"
    shutil.copy(built_db[0], db_path)
    db = store.connect(db_path)
    store.migrate_connection(db.conn)
    add_user(db, "Asha", "correct horse battery", "connector")
    add_user(db, "Ben", "another long password", "connector")
    add_user(db, "Admin", "admin password here", "admin")
    db.conn.close()
    return db_path


@pytest.fixture
def other_area(tmp_path, square_wards):
    """A made-up council, Testshire: its own wards, one asset, and an area.toml naming them."""
    from app.places.wards import write_wards

    wards = square_wards.to_crs("EPSG:4326")
    wards["lad_code"], wards["lad_name"] = "E06000099", "Testshire"
    write_wards(wards, tmp_path / "wards")
    write_csv(tmp_path / "assets.csv", [{"name": "Test lunch club", "category": "group_activity",
                                          "lat": "52.6107", "lon": "-1.1097", "source": "test"}])
    path = tmp_path / "area.toml"
    path.write_text(
        '[area]\nname = "Testshire"\nlad_code = "E06000099"\npostcode_areas = ["LE"]\n'
        'focus_wards = ["North East"]\nmap_centre = [52.61, -1.11]\nexample_postcode = "TS1 2AB"\n'
        'about = "about.txt"\n'
        '[data]\nassets = "assets.csv"\nwards = "wards"\n')
    (tmp_path / "about.txt").write_text("Testshire's <b>own</b> story.\n\nA second paragraph.\n", encoding="utf-8")
    return path


@pytest.fixture
def wards_dir(tmp_path, area):
    """A copy of the project's ward folder that a test may change."""
    target = tmp_path / "wards"
    shutil.copytree(area.wards_dir, target)
    return target


# "On Tuesdays" means a Tuesday in the eight weeks from today (Thursday 26 November 2026 up to
# Wednesday 20 January 2027), by the rule, its dates and its closures: (asset id, schedule,
# weekday (0 = Monday), whether it counts). tests/test_schedule.py, test_search.py and
# test_pages.py run the same cases through the rule, the search's day filter and the ward page.
WEEKDAY_TODAY = date(2026, 11, 26)
WEEKDAY_CASES = [
    ("weekly", "Tue 10:00-12:00", 1, True),
    ("weekly", "Tue 10:00-12:00", 2, False),
    ("no-times", "Sat", 5, True),                                        # no times still counts
    ("on-today-only", "Thu 10:00-12:00 until 2026-11-26", 3, True),      # today is in the window
    ("fortnightly", "Every other Tue 10:00-12:00 from 2026-12-01", 1, True),
    ("every-9-weeks", "Every 9 weeks Tue 10:00-12:00 from 2026-09-22", 1, False),  # 24 Nov, then 26 Jan
    ("second-tue", "2nd Tue 14:00-16:00", 1, True),
    ("second-tue-later", "2nd Tue 14:00-16:00 from 2027-02-01", 1, False),
    ("last-fri", "Last Fri 18:00-20:00", 4, True),
    ("last-fri-ended", "Last Fri 18:00-20:00 until 2026-10-31", 4, False),
    ("fifteenth", "15th of the month 10:00-11:00", 1, True),             # Tue 15 December
    ("fifteenth", "15th of the month 10:00-11:00", 4, True),             # Fri 15 January
    ("fifteenth", "15th of the month 10:00-11:00", 0, False),
    ("fifteenth", "15th of the month 10:00-11:00", 6, False),
    ("month-end", "Last day of the month 10:00-11:00", 1, False),        # Mon 30 Nov, Thu 31 Dec
    ("ended", "Mon-Fri 09:00-17:00 until 2026-01-31", 1, False),
    ("ended-daily", "Daily until 2026-11-25", 0, False),
    ("from-later", "Wed 10:00-12:00 from 2027-06-01", 2, False),
    ("from-last-day", "Wed 10:00-12:00 from 2027-01-20", 2, True),      # the window's last day
    ("from-past-window", "Wed 10:00-12:00 from 2027-01-27", 2, False),
    ("all-closed", "Every other Tue 10:00-12:00 from 2026-12-01 "
                   "not 2026-12-01, 2026-12-15, 2026-12-29, 2027-01-12", 1, False),
    ("closed-today", "Thu 10:00-12:00 until 2026-11-30 not 2026-11-26", 3, False),
]


@pytest.fixture(scope="session")
def weekday_db_path(tmp_path_factory, area):
    """A database with one asset for each schedule in WEEKDAY_CASES, at LE4 6JD (Belgrave), built on WEEKDAY_TODAY."""
    tmp = tmp_path_factory.mktemp("weekdays")
    schedules = dict((asset_id, text) for asset_id, text, _, _ in WEEKDAY_CASES)
    rows = [{"id": asset_id, "name": f"Group {asset_id}", "category": "group_activity", "postcode": "LE4 6JD",
             "schedule": text, "source": "poster"} for asset_id, text in schedules.items()]
    report = build(area, tmp / "a.db", write_csv(tmp / "a.csv", rows), today=WEEKDAY_TODAY)
    assert (report.imported, report.rejected) == (len(rows), 0)
    return tmp / "a.db"
