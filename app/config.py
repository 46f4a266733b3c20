"""The area a deployment serves, read from a TOML file (see area.toml)."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_AREA_FILE = PROJECT_ROOT / "area.toml"


STREET_NETWORK_CREDIT = ("Walking routes: street network © OpenStreetMap contributors, "
                         "available under the Open Database Licence (ODbL).")


class ConfigError(Exception):
    """The area configuration is missing or malformed."""


@dataclass(frozen=True)
class Area:
    name: str
    lad_code: str
    postcode_areas: tuple[str, ...]
    focus_wards: tuple[str, ...]
    map_centre: tuple[float, float]
    map_zoom: int
    assets_csv: Path
    wards_dir: Path
    live_postcodes: Path | None = None
    attribution: tuple[str, ...] = ()
    timezone: str = "Europe/London"
    example_postcode: str = ""    # shown as "For example LE5 5AA"; made from postcode_areas if not set
    about_file: Path | None = None  # the area's own story for the About page (plain text, see about())
    # Connectors' spreadsheet words for categories, as (word, category slug): ("lunch club", "group_activity")
    category_synonyms: tuple[tuple[str, str], ...] = ()
    # A community connector per ward, as (ward name, contact text): empty until a council fills it in
    connectors: tuple[tuple[str, str], ...] = ()
    # An OpenStreetMap extract (.osm.pbf or .osm) for real walking distances on patch walks; None:
    # straight line x 1.3. `assetmap streets` turns it into a graph (see app/walks/streets.py).
    street_network: Path | None = None
    source_file: Path | None = field(default=None, compare=False)

    def about(self, language: str) -> tuple[str, ...]:
        """Return the About page's story as paragraphs, in the language if there is a file for it.

        `about = "data/about.md"` in area.toml; `data/about.gu.md` beside it is the Gujarati.
        Paragraphs are separated by blank lines; the text is shown as plain text, never as HTML.
        """
        if self.about_file is None:
            return ()
        translated = self.about_file.with_suffix(f".{language}{self.about_file.suffix}")
        path = translated if translated.is_file() else self.about_file
        text = path.read_text(encoding="utf-8")
        return tuple(" ".join(p.split()) for p in text.split("\n\n") if p.strip())


def area_file_from_env() -> Path:
    """Return the area file named by ASSETMAP_AREA, or the bundled default."""
    return Path(os.environ.get("ASSETMAP_AREA") or DEFAULT_AREA_FILE)


def load_area(path: str | Path | None = None) -> Area:
    """Read an area TOML file; relative data paths are resolved against its folder."""
    path = Path(path) if path else area_file_from_env()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"area file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"area file {path} is not valid TOML: {exc}") from None
    base = path.resolve().parent
    try:
        area, data = raw["area"], raw["data"]
        centre = area["map_centre"]
        live = data.get("live_postcodes")
        about = area.get("about")
        if about and not (base / about).is_file():
            raise ConfigError(f"area file {path}: the about file {base / about} does not exist")
        postcode_areas = tuple(str(a).upper() for a in area["postcode_areas"])
        network = str(raw.get("walks", {}).get("street_network", "")).strip()
        attribution = tuple(raw.get("attribution", {}).get("lines", []))
        if network:  # the ODbL asks for this credit wherever the data is used
            attribution += (STREET_NETWORK_CREDIT,)
        return Area(
            name=str(area["name"]),
            lad_code=str(area["lad_code"]),
            postcode_areas=postcode_areas,
            focus_wards=tuple(str(w) for w in area.get("focus_wards", [])),
            map_centre=(float(centre[0]), float(centre[1])),
            map_zoom=int(area.get("map_zoom", 12)),
            assets_csv=base / data["assets"],
            wards_dir=base / data["wards"],
            live_postcodes=base / live if live else None,
            attribution=attribution,
            timezone=str(area.get("timezone", "Europe/London")),
            example_postcode=str(area.get("example_postcode") or f"{postcode_areas[0]}1 1AA"),
            about_file=base / about if about else None,
            category_synonyms=_category_synonyms(path, raw.get("category_synonyms", {})),
            connectors=tuple((str(ward), str(contact).strip()) for ward, contact in raw.get("connectors", {}).items()
                             if str(contact).strip()),
            street_network=base / network if network else None,
            source_file=path,
        )
    except KeyError as exc:
        raise ConfigError(f"area file {path} is missing the setting {exc.args[0]!r}") from None


def _category_synonyms(path: Path, table: dict) -> tuple[tuple[str, str], ...]:
    """Check the spreadsheet words table: each word must name a category the site has."""
    from app.assets.record import CATEGORIES, category_key  # the record module reads no config

    pairs = []
    for word, slug in table.items():
        if slug not in CATEGORIES:
            raise ConfigError(f"area file {path}: [category_synonyms] maps {word!r} to {slug!r}, which is not a "
                              f"category; use one of: {', '.join(CATEGORIES)}")
        pairs.append((category_key(word), slug))
    return tuple(pairs)
