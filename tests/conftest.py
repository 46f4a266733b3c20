from __future__ import annotations

import csv
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from app import create_app
from app.config import PROJECT_ROOT, load_area
from app.pipeline import build

SHARED = PROJECT_ROOT.parent / "shared"
TEST_DATA = Path(__file__).parent / "data"


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
    from app.users import add_user

    db_path = tmp_path / "live.db"
    shutil.copy(built_db[0], db_path)
    db = store.connect(db_path)
    store.ensure_live_tables(db)
    add_user(db, "Asha", "correct horse battery", "connector")
    add_user(db, "Ben", "another long password", "connector")
    add_user(db, "Admin", "admin password here", "admin")
    db.conn.close()
    return db_path


@pytest.fixture
def wards_dir(tmp_path, area):
    """A copy of the project's ward folder that a test may change."""
    target = tmp_path / "wards"
    shutil.copytree(area.wards_dir, target)
    return target
