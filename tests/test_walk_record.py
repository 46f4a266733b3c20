"""Saving and reading a patch walk."""
from __future__ import annotations

import pytest

from app import store
from app.accounts import User
from app.walks.walk import load_walk, save_walk

ASHA = User(1, "Asha", "connector")


def test_a_saved_walk_reads_back_with_its_stops_in_order_and_their_versions(live_db):
    db = store.connect(live_db)
    ids = [r[0] for r in db.execute("select id from assets where status = 'open' order by id limit 3")]
    db.execute("update assets set version = 4 where id = ?", [ids[1]])
    db.conn.commit()
    walk_id = save_walk(db, ASHA, ward_code="E05010458", title="Belgrave, Tuesday", asset_ids=[ids[2], ids[0], ids[1]],
                        budget_minutes=90, plan={"left_out": []})
    walk = load_walk(db, walk_id)
    assert [s.asset_id for s in walk.stops] == [ids[2], ids[0], ids[1]]
    assert [s.seq for s in walk.stops] == [1, 2, 3] and walk.stops[2].asset_version == 4
    assert walk.created_by == "Asha" and walk.budget_minutes == 90 and walk.status == "planned"
    assert len(walk_id) >= 16 and load_walk(db, walk_id + "x") is None


def test_a_walk_naming_a_deleted_listing_saves_nothing(live_db):
    db = store.connect(live_db)
    some = db.execute("select id from assets limit 1").fetchone()[0]
    with pytest.raises(ValueError, match="no longer exist: gone-listing"):
        save_walk(db, ASHA, ward_code=None, title="x", asset_ids=[some, "gone-listing"])
    assert db.execute("select count(*) from walks").fetchone()[0] == 0
    assert db.execute("select count(*) from walk_stops").fetchone()[0] == 0
