"""Coach waits per (year, municipality): the vectorised statistics against numpy's, cell by cell."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.tally import Moves, _wait_statistics


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(min_value=0, max_value=300))
def test_wait_mean_and_p95_match_numpy_per_cell(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    moves = Moves(
        wait_person=rng.integers(0, 20, n),
        wait_time=2019 + rng.random(n) * 6,  # one year falls outside the four tallied
        wait_weeks=np.round(rng.exponential(3.0, n) * (rng.random(n) < 0.6), 3),
    )
    municipality = rng.integers(0, 3, 20)
    mean, p95 = _wait_statistics(moves, municipality, 2019, 4, 3)
    cell = (np.floor(moves.wait_time).astype(int) - 2019) * 3 + municipality[moves.wait_person]
    for c in range(12):
        weeks = moves.wait_weeks[cell == c]
        if len(weeks):
            assert np.isclose(mean[c], weeks.mean())
            assert p95[c] == np.quantile(weeks, 0.95, method="inverted_cdf")
        else:
            assert np.isnan(mean[c]) and np.isnan(p95[c])
