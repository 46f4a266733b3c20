from datetime import date

import pytest

from app.assets.record import CATEGORIES, category_slug, parse_asset_csv, validate_row

TODAY = date(2026, 11, 26)


def check(**values):
    row = {"name": "Lunch club", "category": "group_activity", "postcode": "LE5 5AA", "source": "leaflet", **values}
    return validate_row(row, 7, TODAY)


def messages(result):
    return [(p.column, p.severity, p.message) for p in result.problems]


def test_a_good_row_is_normalised():
    result = check(postcode=" le55aa ", schedule="thursday 10:00 - 12:00", last_verified="01/03/2026")
    assert result.problems == []
    assert result.record["postcode"] == "LE5 5AA"
    assert result.record["schedule"] == "Thu 10:00-12:00"
    assert result.record["last_verified"] == "2026-03-01"


@pytest.mark.parametrize("written, slug", [
    ("library", "library"), ("Library", "library"), ("Café", "cafe"), ("cafe", "cafe"),
    ("Listening bench", "listening_bench"), ("  group_activity ", "group_activity"),
    ("Park or green space", "park"), ("yogaa", None),
])
def test_categories_by_slug_or_label(written, slug):
    assert category_slug(written) == slug


def test_every_category_has_a_label():
    assert all(CATEGORIES.values())
    assert len(CATEGORIES) >= 8


def test_given_coordinates_win_and_a_bad_postcode_is_only_a_warning():
    result = check(lat="52.6299", lon="-1.1082", postcode="not a postcode")
    assert result.record["lat"] == 52.6299 and result.record["postcode"] is None
    assert [(c, s) for c, s, _ in messages(result)] == [("postcode", "warning")]


@pytest.mark.parametrize("values, column, says", [
    ({"lat": "52.6"}, "lon", "is empty but lat is given"),
    ({"lat": "north", "lon": "-1.1"}, "lat", "'north' is not a number"),
    ({"lat": "nan", "lon": "-1.1"}, "lat", "'nan' is not a number"),
    ({"lat": "95", "lon": "-1.1"}, "lat", "out of range"),
    ({"lat": "52.6", "lon": "-181"}, "lon", "out of range"),
    ({"lat": "-1.1", "lon": "52.6"}, "lat", "look swapped"),
    ({"id": "Bad Id!"}, "id", "is not a valid id"),
    ({"location_precision": "roughly"}, "location_precision", "is not one of: exact, postcode, ward"),
    ({"contact_email": "nobody-at-example"}, "contact_email", "is not an email address"),
    ({"website": "www.example.org"}, "website", "must start with http:// or https://"),
    ({"last_verified": "2026-13-01"}, "last_verified", "is not a date"),
    ({"description": "x" * 2001}, "description", "is 2001 characters long; the most allowed is 2000"),
])
def test_bad_values_are_errors_naming_the_column(values, column, says):
    result = check(**values)
    assert result.rejected
    assert any(c == column and s == "error" and says in m for c, s, m in messages(result)), messages(result)


@pytest.mark.parametrize("values, column", [
    ({"source": ""}, "source"),
    ({"source_date": "sometime"}, "source_date"),
    ({"contact_phone": "12"}, "contact_phone"),
])
def test_doubtful_values_are_warnings(values, column):
    result = check(**values)
    assert not result.rejected
    assert [c for c, s, _ in messages(result) if s == "warning"] == [column]


def test_unknown_columns_are_kept_and_headers_are_forgiving():
    text = "Name,Category,Post code,Postcode,Volunteer lead\nLunch club,Group or activity,x,LE5 5AA,Asha\n"
    parsed = parse_asset_csv(text)
    assert parsed.columns == {"name": 0, "category": 1, "postcode": 3}
    assert parsed.extras == [("Post code", 2), ("Volunteer lead", 4)]
    row = parsed.rows[0]
    assert parsed.values(row) == {"name": "Lunch club", "category": "Group or activity", "postcode": "LE5 5AA"}
    assert parsed.extra_values(row) == {"Post code": "x", "Volunteer lead": "Asha"}


def test_row_numbers_follow_the_spreadsheet():
    text = 'name,category,postcode\n\nA,library,LE1 6AA\n"Multi\nline",library,LE1 6AA\nC,library,LE1 6AA\n'
    assert [r.row for r in parse_asset_csv(text).rows] == [3, 4, 6]


def test_the_exports_formula_quote_is_undone_on_import():
    result = check(contact_phone="'+44 116 454 0000", description="'=not a formula")
    assert result.record["contact_phone"] == "+44 116 454 0000"
    assert result.record["description"] == "=not a formula"


@pytest.mark.parametrize("written, slug", [
    ("group", "group_activity"), ("Lunch club", "group_activity"), ("COFFEE  MORNING", "group_activity"),
    ("Mosque", "faith_centre"), ("temple", "faith_centre"), ("Gurdwara", "faith_centre"),
    ("church", "faith_centre"), ("Bench", "listening_bench"),
])
def test_spreadsheet_words_are_read_through_the_area_synonyms(area, written, slug):
    result = validate_row({"name": "Sangat", "category": written, "postcode": "LE5 5AA", "source": "leaflet"},
                          7, TODAY, area.category_synonyms)
    assert not result.rejected
    assert result.record["category"] == slug
    assert messages(result) == [("category", "warning",
                                 f"'{written}' is read as {slug} ({CATEGORIES[slug]}), as the spreadsheet words "
                                 "in the area config say")]
    # Without the area's table the same word is not a category.
    assert validate_row({"name": "Sangat", "category": written, "postcode": "LE5 5AA"}, 7, TODAY).rejected


def test_a_synonym_for_a_category_that_does_not_exist_is_refused(tmp_path, area):
    from app.config import ConfigError, load_area

    text = area.source_file.read_text(encoding="utf-8").replace('"bench" = "listening_bench"', '"bench" = "seat"')
    (tmp_path / "area.toml").write_text(text, encoding="utf-8")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "about.md").write_text("About", encoding="utf-8")
    with pytest.raises(ConfigError, match="maps 'bench' to 'seat', which is not a category"):
        load_area(tmp_path / "area.toml")
