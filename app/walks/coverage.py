"""How well each ward's listings are kept true: when it was last walked, how much is checked recently."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlite_utils


@dataclass(frozen=True)
class WardCoverage:
    ward_code: str
    ward_name: str
    last_walked: str | None     # when the ward's latest finished walk finished (UTC stamp)
    located: int                # listings with a place on the map (not deleted)
    located_checked: int        # of those, checked within the recent window
    never_visited: int          # listings no walk has reached yet

    @property
    def share_checked(self) -> int | None:
        """The share of located listings checked recently, as a whole percentage (None when there are none)."""
        return round(100 * self.located_checked / self.located) if self.located else None


def ward_coverage(db: sqlite_utils.Database, today: date, recent_days: int,
                  ward_code: str | None = None) -> list[WardCoverage]:
    """Per ward (or one ward), by name: last walked, located listings checked since today - recent_days, never visited."""
    since = (today - timedelta(days=recent_days)).isoformat()
    rows = db.execute("""
        select w.ward_code, w.ward_name,
          (select max(finished_at) from walks k where k.ward_code = w.ward_code and k.status = 'finished'),
          count(a.id) filter (where a.location_precision != 'ward'),
          count(a.id) filter (where a.location_precision != 'ward' and a.last_verified >= ?),
          count(a.id) filter (where not exists (
            select 1 from walk_stops s where s.asset_id = a.id and s.outcome is not null))
        from wards w left join assets a on a.ward_code = w.ward_code and a.status != 'deleted'
        where ? is null or w.ward_code = ?
        group by w.ward_code order by w.ward_name collate nocase""", [since, ward_code, ward_code])
    return [WardCoverage(*row) for row in rows]
