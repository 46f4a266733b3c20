import math

import pytest

from app.places.geocode import (
    InvalidPostcode,
    PostcodeDirectory,
    bng_to_wgs84,
    in_uk,
    normalise_postcode,
    postcode_area,
    wgs84_to_bng,
)


@pytest.mark.parametrize("raw, expected", [
    ("LE5 5AA", "LE5 5AA"),
    ("le55aa", "LE5 5AA"),
    (" LE5  5AA ", "LE5 5AA"),
    ("le5\t5aa", "LE5 5AA"),
    ("LE1 6TT", "LE1 6TT"),
    ("le16tt", "LE1 6TT"),
    ("SW1A 1AA", "SW1A 1AA"),
    ("sw1a1aa", "SW1A 1AA"),
    ("M1 1AE", "M1 1AE"),
    ("B33 8TH", "B33 8TH"),
    ("CR2 6XH", "CR2 6XH"),
    ("LE10 0AA", "LE10 0AA"),
])
def test_normalise_postcode(raw, expected):
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize("raw, says", [
    ("", "no postcode"),
    ("   ", "no postcode"),
    ("LE5", "5 to 7"),
    ("LE5 5AAAA", "5 to 7"),
    ("LE5-5AA", "only letters and numbers"),
    ("LE5 5ÅA", "only letters and numbers"),
    ("5LE 5AA", "shape of a UK postcode"),
    ("LE5 AAA", "shape of a UK postcode"),
    ("LEE5 5AA", "shape of a UK postcode"),
    ("LE5 55A", "shape of a UK postcode"),
])
def test_normalise_postcode_rejects_with_reason(raw, says):
    with pytest.raises(InvalidPostcode, match=says) as refused:
        normalise_postcode(raw)
    # The geocoder serves any area: its messages name no one area's postcodes.
    explanation = str(refused.value).replace(f"'{raw.strip()}'", "")  # the text typed is echoed back
    assert "LE5 5AA" not in explanation and "LE1 6TT" not in explanation


def test_postcode_area():
    assert postcode_area("LE5 5AA") == "LE"
    assert postcode_area("M1 1AE") == "M"
    assert postcode_area("SW1A 1AA") == "SW"


def test_lookup_real_directory():
    directory = PostcodeDirectory()
    hit = directory.lookup("LE5 5AA")
    assert (hit.easting, hit.northing, hit.lad_code) == (460457.0, 303940.0, "E06000016")
    # Leicester Central Library's postcode
    assert directory.lookup("LE1 6AA").lad_code == "E06000016"
    assert directory.lookup("LE5 0XX") is None
    # Other areas load on demand: a Manchester postcode, and one in a one-letter area.
    assert directory.lookup("M1 1AE").lad_code == "E08000003"
    assert directory.lookup("SW1A 1AA").lad_code == "E09000033"


def test_lookup_many_keeps_unknown_ones():
    found = PostcodeDirectory().lookup_many(["LE5 5AA", "LE5 0XX", "LE5 5AA"])
    assert set(found) == {"LE5 5AA", "LE5 0XX"}
    assert found["LE5 0XX"] is None


def test_bng_to_wgs84_known_point():
    # LE5 5AA: Ordnance Survey grid reference 460457, 303940
    lat, lon = bng_to_wgs84([460457], [303940])
    assert lat[0] == pytest.approx(52.62986, abs=1e-5)
    assert lon[0] == pytest.approx(-1.10821, abs=1e-5)


def test_round_trip_is_within_a_millimetre():
    lat, lon = bng_to_wgs84([460457.0], [303940.0])
    e, n = wgs84_to_bng(lat, lon)
    assert math.hypot(e[0] - 460457.0, n[0] - 303940.0) < 0.001


def test_in_uk():
    assert in_uk(52.63, -1.13)
    assert not in_uk(-1.13, 52.63)
    assert not in_uk(48.85, 2.35)  # Paris
