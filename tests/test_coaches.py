"""Job coaches: a first-come-first-served team whose size changes, and the cost of its FTE history."""

from __future__ import annotations

import numpy as np
import simpy

from sim.model.coaches import CoachTeam, fte_at, fte_years


def test_the_team_is_first_come_first_served_and_a_larger_team_starts_every_waiting_trajectory_it_can():
    env = simpy.Environment()
    team = CoachTeam(env, 1)
    ended = []

    def trajectory(i):
        asked = env.now
        with team.request() as request:
            yield request
            waited = env.now - asked
            yield env.timeout(10.0)
        ended.append((i, env.now, waited))

    def staffing():
        yield env.timeout(1)
        team.resize(3)  # two coaches hired at t = 1
        yield env.timeout(1)
        team.resize(1)  # and more leave at t = 2: nobody is interrupted

    for i in range(5):
        env.process(trajectory(i))
    env.process(staffing())
    env.run()
    # 0 starts at once; 1 and 2 start when the team grows (simpy.Resource alone would start only one of them);
    # 3 waits for a free slot under the lowered capacity (at 10, when 0 ends, 1 and 2 still hold two), 4 after
    assert ended == [(0, 10.0, 0.0), (1, 11.0, 1.0), (2, 11.0, 1.0), (3, 21.0, 11.0), (4, 31.0, 21.0)]
    assert team.capacity == 1 and team.count == 0


def test_fte_years_and_fte_at_integrate_a_piecewise_constant_history():
    history = [(2019.0, 2.0), (2019.5, 4.0), (2021.0, 0.0)]
    np.testing.assert_allclose(fte_years(history, np.array([2018, 2019, 2020, 2021])), [0.0, 3.0, 4.0, 0.0])
    np.testing.assert_allclose(fte_at(history, np.array([2019.0, 2019.5, 2020.0, 2022.0])), [0.0, 2.0, 4.0, 0.0])
    assert fte_years([], np.array([2019])).tolist() == [0.0]
