"""A community asset map and directory: create_app() builds the Flask application."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from .config import PROJECT_ROOT, area_file_from_env, load_area


def create_app(test_config: dict | None = None) -> Flask:
    """Create the web application: config defaults, instance folder, database, blueprints."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("ASSETMAP_INSTANCE") or str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.from_mapping(
        DATABASE=str(Path(app.instance_path) / "assetmap.db"),
        AREA_FILE=str(area_file_from_env()),
        # Map tiles are the only thing the site may fetch from another host. Set TILE_URL to ""
        # (ASSETMAP_TILE_URL="") to run without tiles: boundaries and points still show.
        TILE_URL="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        TILE_ATTRIBUTION='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        TILE_CREDIT="© OpenStreetMap contributors",
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("ASSETMAP")
    else:
        app.config.from_mapping(test_config)
    app.json.sort_keys = False  # keep fields in the order the API documents them
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["AREA"] = load_area(app.config["AREA_FILE"])

    from . import compress, db, i18n
    from .views import api, pages, vendor
    from .wards import slugify

    db.init_app(app)
    i18n.init_app(app)
    compress.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(vendor.bp)
    app.add_template_filter(slugify, "ward_slug")
    app.add_template_global(app.config["TILE_CREDIT"], "tile_credit")
    return app
