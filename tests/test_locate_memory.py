"""Postcodes from elsewhere in the country get a kind answer without loading the country."""
from __future__ import annotations

import json
import subprocess
import sys

from app.config import PROJECT_ROOT

# Every UK postcode area but LE: one search from each area is what made the server grow.
OTHER_AREAS = (
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC EH EN EX "
    "FK FY G GL GU HA HD HG HP HR HS HU HX IG IP IV KA KT KW KY L LA LD LL LN LS LU M ME MK ML N NE NG NN NP NR "
    "NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB "
    "W WA WC WD WF WN WR WS WV YO ZE"
).split()

MEASURE = """
import json, sys
from app import create_app

def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024

app = create_app({"TESTING": True, "DATABASE": sys.argv[1]})
client = app.test_client()
postcodes = json.loads(sys.argv[2])
client.get("/?postcode=LE4+6JD")  # warm up: the area's own search, templates, translations
before = rss_mb()
statuses = [client.get("/", query_string={"postcode": p}).status_code for p in postcodes]
pages = [client.get("/", query_string={"postcode": p}).get_data(as_text=True) for p in postcodes[:3]]
print(json.dumps({"before": before, "after": rss_mb(), "statuses": sorted(set(statuses)), "pages": pages}))
"""


def test_two_hundred_out_of_area_postcodes_do_not_grow_memory(built_db):
    postcodes = [f"{area}{district} {sector}AA" for district, sector in ((1, 1), (2, 3)) for area in OTHER_AREAS]
    postcodes = postcodes[:200]
    assert len(set(postcodes)) == 200
    child = subprocess.run([sys.executable, "-c", MEASURE, str(built_db[0]), json.dumps(postcodes)],
                           capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=600)
    assert child.returncode == 0, child.stderr[-2000:]
    result = json.loads(child.stdout.strip().splitlines()[-1])
    grown = result["after"] - result["before"]
    print(f"\nRSS {result['before']:.0f} MB -> {result['after']:.0f} MB over 200 out-of-area postcodes")
    assert result["statuses"] == [200]
    assert grown < 50, f"memory grew by {grown:.0f} MB"
    assert "AB1 1AA is outside Leicester" in result["pages"][0]


def test_out_of_area_postcode_is_told_kindly_in_the_api_and_trader_search(client):
    response = client.get("/api/assets?near=M1+1AE")
    assert response.status_code == 400
    assert response.get_json()["error"] == ("near: The postcode M1 1AE is outside Leicester. This map only covers "
                                            "Leicester: please type a postcode there, or choose a ward.")
    assert "M1 1AE is outside Leicester" in client.get("/traders/?postcode=M1+1AE").get_data(as_text=True)
