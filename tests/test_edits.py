"""The write path under pressure: racing saves, deleted listings, restoring the original."""
import threading
from datetime import date
from itertools import pairwise

import pytest

from app import store
from app.accounts import User
from app.assets import edits

ASHA, BEN, ADMIN = User(1, "Asha", "connector"), User(2, "Ben", "connector"), User(3, "Admin", "admin")


def current(db_path, asset_id="belgrave-library"):
    db = store.connect(db_path)
    try:
        return edits.workspace_asset(db, asset_id)
    finally:
        db.conn.close()


def test_of_two_racing_saves_exactly_one_wins_and_history_stays_a_chain(live_db, area, monkeypatch):
    # Both saves read the same version, then meet here (validation happens before the write),
    # so each round is a forced race between the version check and the write.
    meet = threading.Barrier(2)
    real_prepare = edits.prepare

    def prepare_together(*args, **kwargs):
        try:
            meet.wait(timeout=5)
        except threading.BrokenBarrierError:
            pass
        return real_prepare(*args, **kwargs)

    monkeypatch.setattr(edits, "prepare", prepare_together)
    setup = store.connect(live_db)
    wards = edits.wards_frame(setup)
    start = edits.workspace_asset(setup, "belgrave-library")["version"]
    setup.conn.close()
    tally = {"won": 0, "lost": 0}
    for round_ in range(50):
        asset = current(live_db)
        outcomes = []

        def save(user, cost, asset=asset, outcomes=outcomes):
            db = store.connect(live_db)
            try:
                edits.save_asset(db, area, user, {**edits.form_values(asset), "cost": cost}, "belgrave-library",
                                 asset["version"], today=date(2026, 11, 26), wards=wards)
                outcomes.append("won")
            except edits.ConflictError:
                outcomes.append("lost")
            finally:
                db.conn.close()

        threads = [threading.Thread(target=save, args=(ASHA, f"Asha {round_}")),
                   threading.Thread(target=save, args=(BEN, f"Ben {round_}"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["lost", "won"], f"round {round_}: {outcomes}"
        for outcome in outcomes:
            tally[outcome] += 1
    assert tally == {"won": 50, "lost": 50}
    db = store.connect(live_db)
    rows = list(db.execute("select change_set, old_value, new_value from changes "
                           "where asset_id = 'belgrave-library' and field = 'cost' order by change_set"))
    assert len(rows) == 50
    for before, after in pairwise(rows):
        assert after[1] == before[2]  # each save starts from what the previous one saved
    assert edits.workspace_asset(db, "belgrave-library")["version"] == start + 50


def test_a_deleted_listing_cannot_be_edited_verified_or_restored(live_db, area):
    db = store.connect(live_db)
    asset = edits.workspace_asset(db, "belgrave-library")
    saved = edits.save_asset(db, area, ASHA, {**edits.form_values(asset), "cost": "Free"}, "belgrave-library")
    edits.set_status(db, ASHA, "belgrave-library", "deleted")
    deleted = edits.workspace_asset(db, "belgrave-library")
    with pytest.raises(edits.EditError, match="deleted"):
        edits.save_asset(db, area, ASHA, {**edits.form_values(deleted), "cost": "£2"}, "belgrave-library",
                         deleted["version"])
    with pytest.raises(edits.EditError, match="deleted"):
        edits.verify(db, ASHA, "belgrave-library")
    with pytest.raises(edits.EditError, match="deleted"):
        edits.restore(db, area, ASHA, "belgrave-library", edits.ORIGINAL)
    with pytest.raises(edits.EditError, match="only an admin"):
        edits.set_status(db, ASHA, "belgrave-library", "open")
    after = edits.workspace_asset(db, "belgrave-library")
    assert (after["cost"], after["last_verified"], after["version"]) == ("Free", deleted["last_verified"], saved.version + 1)
    edits.set_status(db, ADMIN, "belgrave-library", "open")
    edits.verify(db, ASHA, "belgrave-library")  # once an admin has brought it back


def test_restore_the_original_after_a_single_edit(live_db, area):
    db = store.connect(live_db)
    built = edits.form_values(edits.workspace_asset(db, "belgrave-library"))
    assert not edits.has_original([]) and edits.history(db, "belgrave-library") == []
    edits.save_asset(db, area, ASHA, {**built, "cost": "£1", "schedule": "Mon 10:00-11:00",
                                      "description": "Changed"}, "belgrave-library")
    edits.set_status(db, ASHA, "belgrave-library", "temporarily_closed")
    assert edits.has_original(edits.history(db, "belgrave-library"))
    edits.restore(db, area, BEN, "belgrave-library", edits.ORIGINAL)
    restored = edits.workspace_asset(db, "belgrave-library")
    assert edits.form_values(restored) == built
    assert restored["status"] == "open"
    assert edits.history(db, "belgrave-library")[0]["note"] == "restored the status of the original version"
    assert edits.history(db, "belgrave-library")[1]["note"] == "restored the original version"


def test_a_listing_made_on_the_web_has_no_original_before_its_creation(live_db, area):
    db = store.connect(live_db)
    saved = edits.save_asset(db, area, ASHA, {"name": "Knit and natter", "category": "group_activity",
                                              "postcode": "LE5 5AA", "source": "poster"})
    assert not edits.has_original(edits.history(db, saved.asset_id))
