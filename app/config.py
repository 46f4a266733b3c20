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
class GapsSettings:
    """Where are the gaps? (area.toml [gaps]): the walk that counts as far, and what is a priority."""
    minutes: int = 10                         # more than this many minutes' walk is "far"
    priority_deciles: tuple[int, ...] = (1, 2)  # IDAOPI deciles (1 = most deprived 10 % in England)
    large_share: float = 0.25                 # a priority LSOA has at least this share of its 60+ far away
    lsoa_boundaries: Path | None = None       # LSOA 2021 polygons (GeoJSON) with each one's main ward
    deprivation: Path | None = None           # English Indices of Deprivation per LSOA (CSV)
    attribution: tuple[str, ...] = ()         # credits for those two files: shown where their figures are


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
    # The licence the listings are published under (name, address); empty: not chosen yet, and the
    # Open data page says so
    open_data_licence: tuple[str, str] = ("", "")
    # Patch walks: minutes planned at each stop, and how old a check may be before the listing is due one
    walk_minutes_per_stop: int = 5
    walk_stale_months: int = 6
    gaps: GapsSettings = GapsSettings()
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
            open_data_licence=(str(raw.get("open_data", {}).get("licence", "")).strip(),
                               str(raw.get("open_data", {}).get("licence_url", "")).strip()),
            walk_minutes_per_stop=int(raw.get("walks", {}).get("minutes_per_stop", 5)),
            walk_stale_months=int(raw.get("walks", {}).get("stale_months", 6)),
            gaps=_gaps(path, base, raw.get("gaps", {})),
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


def _gaps(path: Path, base: Path, table: dict) -> GapsSettings:
    """Read and check [gaps]: whole minutes from 1 to 60, deciles 1-10, a share between 0 and 1."""
    defaults = GapsSettings()
    minutes = table.get("minutes", defaults.minutes)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 60:
        raise ConfigError(f"area file {path}: [gaps] minutes must be a whole number of minutes from 1 to 60, "
                          f"not {minutes!r}")
    deciles = table.get("priority_deciles", list(defaults.priority_deciles))
    if not isinstance(deciles, list) or not deciles or not all(isinstance(d, int) and 1 <= d <= 10 for d in deciles):
        raise ConfigError(f"area file {path}: [gaps] priority_deciles must be a list of deciles from 1 to 10, "
                          f"such as [1, 2], not {deciles!r}")
    share = table.get("large_share", defaults.large_share)
    if not isinstance(share, (int, float)) or isinstance(share, bool) or not 0 < share <= 1:
        raise ConfigError(f"area file {path}: [gaps] large_share must be a fraction above 0 and at most 1, "
                          f"such as 0.25, not {share!r}")
    files = {}
    for key in ("lsoa_boundaries", "deprivation"):
        name = table.get(key)
        if name and not (base / name).is_file():
            raise ConfigError(f"area file {path}: the [gaps] {key} file {base / name} does not exist")
        files[key] = base / name if name else None
    return GapsSettings(minutes, tuple(sorted(set(deciles))), float(share), **files,
                        attribution=tuple(str(line) for line in table.get("attribution", [])))
