"""A community asset map and directory: create_app() builds the Flask application."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import PROJECT_ROOT, area_file_from_env, load_area


def _instance_secret(instance: Path) -> str:
    """The key that signs sign-in sessions: made once per installation, kept out of the repo."""
    from app.store.connection import private_file

    path = instance / "secret_key"
    if not path.exists():
        private_file(path).write_text(secrets.token_hex(32))
    return path.read_text().strip()


def create_app(test_config: dict | None = None, area_file: str | Path | None = None) -> Flask:
    """Create the web application: config defaults, instance folder, database, blueprints."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("ASSETMAP_INSTANCE") or str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.from_mapping(
        DATABASE=str(Path(app.instance_path) / "assetmap.db"),
        STREET_GRAPH=str(Path(app.instance_path) / "streets.npz"),  # built by `assetmap streets`
        AREA_FILE=str(area_file or area_file_from_env()),
        # Map tiles are the only thing the site may fetch from another host. Set TILE_URL to ""
        # (ASSETMAP_TILE_URL="") to run without tiles: boundaries and points still show.
        TILE_URL="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        TILE_ATTRIBUTION='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        TILE_CREDIT="© OpenStreetMap contributors",
        # Session cookies only travel over https. Flask's own default is False, so it is set here,
        # before any configuration: ASSETMAP_SESSION_COOKIE_SECURE=false turns it off for plain http.
        SESSION_COOKIE_SECURE=True,
        # How many reverse proxies (ending TLS) stand in front of the app. Only then are their
        # X-Forwarded-For/-Proto/-Host headers believed; with none, anyone could forge them.
        TRUSTED_PROXIES=0,
        MAX_CONTENT_LENGTH=5 * 1024 * 1024,  # the largest upload (a spreadsheet); bigger gets a 413 page
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("ASSETMAP")
    else:
        app.config.from_mapping(test_config)
    app.json.sort_keys = False  # keep fields in the order the API documents them
    # The database, its backups, uploads and the secret key live here: this account's eyes only.
    from app.store.connection import private_dir

    private_dir(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      PERMANENT_SESSION_LIFETIME=8 * 60 * 60)
    app.config["AREA"] = load_area(app.config["AREA_FILE"])
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    from app.places.wards import slugify
    from app.views import api, auth, pages, suggest, trader_workspace, traders, vendor, workspace
    from app.web import cards, chrome, compress, csrf, db, headers, i18n, limits, page_cache, search_form

    page_cache.init_app(app)  # first: its after_request hook runs last, on the answer as sent
    db.init_app(app)
    i18n.init_app(app)
    cards.init_app(app)
    chrome.init_app(app)
    search_form.init_app(app)
    compress.init_app(app)
    limits.init_app(app)
    csrf.init_app(app)
    headers.init_app(app)
    auth.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(vendor.bp)
    app.register_blueprint(suggest.bp)
    app.register_blueprint(traders.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(workspace.bp)
    app.register_blueprint(trader_workspace.bp)
    from app.views import walk_phone

    app.register_blueprint(walk_phone.bp)
    from app.views import walk_plan

    app.register_blueprint(walk_plan.bp)
    from app.views import walk_sheet

    app.register_blueprint(walk_sheet.bp)
    from app.views import captures

    app.register_blueprint(captures.bp)
    from app.views import calendars

    app.register_blueprint(calendars.bp)
    from app.views import opendata

    app.register_blueprint(opendata.bp)
    from app.views import openreferral

    app.register_blueprint(openreferral.bp)
    from app.views import kiosk, kiosk_workspace

    app.register_blueprint(kiosk.bp)
    app.register_blueprint(kiosk_workspace.bp)
    from app.views import gaps

    app.register_blueprint(gaps.bp)
    from app.views import newsletters

    app.register_blueprint(newsletters.bp)
    from app.walks import streets

    streets.init_app(app)
    app.add_template_filter(slugify, "ward_slug")
    from app.traders.directory import SCHEMES

    app.add_template_filter(lambda scheme: SCHEMES.get(scheme, scheme), "scheme_name")
    app.add_template_global(app.config["TILE_CREDIT"], "tile_credit")
    return app
