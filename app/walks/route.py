"""A walking route through a walk's stops: a short order from start to end, trimmed to a time budget.

The order is a travelling-salesman problem with a fixed start and end, solved by `python-tsp`:
exactly (dynamic programming) for a dozen stops or fewer, by the Lin-Kernighan heuristic beyond.
Walking distances come from a `walking` object: the straight line x 1.3 (as the residents' site
says) unless the area names a street network (app/walks/streets.py), which has the same methods.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from python_tsp.exact import solve_tsp_dynamic_programming
from python_tsp.heuristics import solve_tsp_lin_kernighan

from app.assets.search import ROUTE_FACTOR, WALKING_METRES_PER_MINUTE

# Up to this many places (start, stops, end) the best order is found exactly; it takes well under
# a second. Beyond, Lin-Kernighan finds a short one (a few per cent longer at most) in a fraction.
EXACT_UP_TO = 12

Point = tuple[float, float]  # British National Grid easting, northing (metres)


class StraightLine:
    """Walking metres as residents are told: the straight line, a third longer for the streets."""

    basis = "the straight line x 1.3, at an easy 3 km an hour"

    def metres(self, points: list[Point]) -> np.ndarray:
        xy = np.asarray(points, dtype=float).reshape(-1, 2)
        return np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]) * ROUTE_FACTOR

    def path(self, a: Point, b: Point) -> list[Point]:
        return [a, b]


def walk_minutes(metres: float) -> float:
    """Minutes to walk this far at the residents' easy pace."""
    return metres / WALKING_METRES_PER_MINUTE


def _loop(costs: np.ndarray) -> list[int]:
    """A short loop through every place of a symmetric whole-number cost matrix, from place 0."""
    if len(costs) <= EXACT_UP_TO:
        order, _ = solve_tsp_dynamic_programming(costs)
    else:
        order, _ = solve_tsp_lin_kernighan(costs)
    return [int(i) for i in order]


def shortest_order(matrix: np.ndarray, *, has_start: bool, has_end: bool) -> list[int]:
    """Order the places of a square distance matrix into a short path; return their indices in order.

    Place 0 is the start when has_start, and the last place the end when has_end; the order
    returned begins and ends with them. Without a start the path may begin anywhere; without
    an end it may finish anywhere.
    """
    size = len(matrix)
    if size <= 2:
        return list(range(size))
    if has_end and not has_start:  # the same path walked backwards: fix its start, then turn it round
        flipped = matrix[::-1, ::-1]
        return [size - 1 - i for i in reversed(shortest_order(flipped, has_start=True, has_end=False))]
    # The solvers find loops. A loop that uses one free link is a path: the link from the end back
    # to the start, or through a spare place joined to the start (no end) or to everything (neither).
    # Every other link costs `extra` more, so the shortest loop always takes the free one; the
    # matrix stays symmetric, as Lin-Kernighan needs. Whole metres: it can cycle on float ties.
    metres = np.rint((matrix + matrix.T) / 2).astype(np.int64)
    extra = int(metres.max()) * size + 1
    spare = not has_end
    costs = np.pad(metres + extra, ((0, 1), (0, 1))) if spare else metres + extra
    np.fill_diagonal(costs, 0)
    joined = 0 if has_start else None
    if spare:
        costs[-1, :] = costs[:, -1] = 0 if joined is None else extra
        costs[-1, -1] = 0
        if joined is not None:
            costs[-1, joined] = costs[joined, -1] = 0
    else:
        costs[0, -1] = costs[-1, 0] = 0
    loop = _loop(costs)
    link = len(costs) - 1  # the spare place, or the end
    at = loop.index(link)
    # Walk the loop starting just after the free link, so it becomes the gap between the path's ends.
    if has_start:
        ahead = loop[(at + 1) % len(loop)] == 0
        path = loop[at + 1:] + loop[:at + 1] if ahead else list(reversed(loop[at:] + loop[:at]))
    else:
        path = loop[at + 1:] + loop[:at]
    if spare:
        path = [p for p in path if p != link]
    if has_start and path[0] != 0:
        path = [0] + [p for p in path if p != 0]  # a heuristic missed the free link: still a valid path
    if has_end and path[-1] != size - 1:
        path = [p for p in path if p != size - 1] + [size - 1]
    return path


@dataclass(frozen=True)
class Leg:
    start: int                 # index into the route's places
    end: int
    metres: float
    minutes: float
    path: list[Point] = field(default_factory=list)


@dataclass
class Route:
    stops: list[int]                       # indices into the stops given, in walking order
    legs: list[Leg]
    walking_minutes: float
    stop_minutes: float
    left_out: list[int] = field(default_factory=list)  # indices into the stops given, trimmed off

    @property
    def total_minutes(self) -> float:
        return self.walking_minutes + self.stop_minutes


class BudgetTooShort(ValueError):
    """Not even the quickest single stop fits the time budget."""


def plan_route(walking, stops: list[Point], priorities: list[float], *, start: Point | None = None,
               end: Point | None = None, budget_minutes: float | None = None,
               minutes_per_stop: float = 5) -> Route:
    """Order the stops from start to end and trim the least useful ones until the walk fits the budget.

    `priorities` says how useful each stop is (higher first kept). With no budget nothing is left out.
    Raises BudgetTooShort when the budget cannot hold even one stop.
    """
    places = ([start] if start else []) + list(stops) + ([end] if end else [])
    first = 1 if start else 0
    matrix = walking.metres(places) if places else np.zeros((0, 0))

    def ordered(kept: list[int]) -> list[int]:
        rows = ([0] if start else []) + [first + k for k in kept] + ([len(places) - 1] if end else [])
        order = shortest_order(matrix[np.ix_(rows, rows)], has_start=bool(start), has_end=bool(end))
        return [rows[i] for i in order]

    def cost(path: list[int]) -> tuple[float, float]:
        walked = sum(matrix[a, b] for a, b in zip(path, path[1:]))
        return walk_minutes(walked), minutes_per_stop * sum(1 for p in path if first <= p < first + len(stops))

    kept = list(range(len(stops)))
    left_out: list[int] = []
    path = ordered(kept)
    walking_min, stop_min = cost(path)
    while budget_minutes is not None and kept and walking_min + stop_min > budget_minutes:
        if len(kept) == 1:
            raise BudgetTooShort(round(walking_min + stop_min))
        # Drop the least useful stop; between equals, the one whose leaving saves the most walking.
        lowest = min(priorities[k] for k in kept)
        candidates = [k for k in kept if priorities[k] == lowest]
        saving = {}
        for k in candidates:
            i = path.index(first + k)
            before, after = path[i - 1] if i > 0 else None, path[i + 1] if i + 1 < len(path) else None
            detour = (matrix[before, first + k] if before is not None else 0) + \
                     (matrix[first + k, after] if after is not None else 0) - \
                     (matrix[before, after] if before is not None and after is not None else 0)
            saving[k] = detour
        dropped = max(candidates, key=lambda k: (saving[k], -k))
        kept.remove(dropped)
        left_out.append(dropped)
        # Walk past it (a short cut, never longer); the order is worked out again once, at the end.
        path.remove(first + dropped)
        walking_min, stop_min = cost(path)
    if left_out:
        path = ordered(kept)
        walking_min, stop_min = cost(path)
    legs = [Leg(a, b, float(matrix[a, b]), walk_minutes(float(matrix[a, b])), walking.path(places[a], places[b]))
            for a, b in zip(path, path[1:])]
    return Route(stops=[p - first for p in path if first <= p < first + len(stops)], legs=legs,
                 walking_minutes=walking_min, stop_minutes=stop_min, left_out=left_out)
