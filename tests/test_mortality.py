"""Mortality: the Gompertz law against the CBS one-year probabilities of death of the domain brief.

The known answers come from outside the code: the brief's q(x) (CBS StatLine 70701ned / 37360ned), written
here as numbers. A one-year probability is computed in the test as 1 - exp(-integral of the hazard over the
year), the integral by the midpoint rule on the fitted a and b, never by the module's closed forms (`q`,
`cumulative`, `_expm1_over`), so a wrong closed form cannot agree with itself.
"""

from __future__ import annotations

import math
import tomllib
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from sim.checks.oracle import expectations
from sim.inputs.config import config_from_dict
from sim.model.demography import DemographyModel
from sim.model.mortality import Gompertz, death_ages, fit_gompertz, gompertz_by_sex
from sim.model.population import Population, month_index
from sim.model.replication import Model

CONFIGS = Path(__file__).resolve().parent.parent / "configs"

# The domain brief, "Mortality": q(x) by sex (codes 0 men, 1 women, as sim.domain.SEXES), CBS 2019 tables.
BRIEF_2019 = {0: [(40.0, 0.0008), (60.0, 0.0063)], 1: [(40.0, 0.0006), (60.0, 0.0046)]}
# The brief's other men's figures, from other table years: not fitted, a check of the law's slope.
BRIEF_MEN_OTHER_YEARS = [(61.0, 0.00734, 2020), (65.0, 0.0124, 2012), (67.0, 0.0148, 2012)]
OUT_OF_SAMPLE_TOLERANCE = 0.20
"""Relative distance allowed at the unfitted points: 2012 mortality was higher than 2019's (the 65 and 67
figures lie 13-15% above the 2019 fit), 2020 a Covid year; a wrong slope b (say 10% off) misses by more."""


def one_year_q(a: float, b: float, age: float, multiplier: float = 1.0, cells: int = 100_000) -> float:
    """1 - exp(-integral from age to age + 1 of multiplier * a * e^{b t} dt), by the midpoint rule.

    The midpoint rule errs by about h^2/24 times the second derivative (relative 4e-14 here).
    """
    t = age + (np.arange(cells) + 0.5) / cells
    integral = float(np.sum(multiplier * a * np.exp(b * t)) / cells)
    return -math.expm1(-integral)


def law_for(sex: int) -> Gompertz:
    return fit_gompertz(BRIEF_2019[sex])


@pytest.mark.parametrize("sex", [0, 1])
def test_the_fitted_hazard_integrates_to_the_cbs_probability_at_the_fitted_ages(sex: int) -> None:
    law = law_for(sex)
    for age, q in BRIEF_2019[sex]:
        assert one_year_q(law.a, law.b, age) == pytest.approx(q, rel=1e-9), age
        assert law.q(age) == pytest.approx(q, rel=1e-12), age


@pytest.mark.parametrize(("age", "q", "year"), BRIEF_MEN_OTHER_YEARS)
def test_the_mens_law_is_near_the_cbs_figures_of_other_years(age: float, q: float, year: int) -> None:
    law = law_for(0)
    assert one_year_q(law.a, law.b, age) == pytest.approx(q, rel=OUT_OF_SAMPLE_TOLERANCE), year


def test_the_hazard_is_the_gompertz_formula() -> None:
    law = law_for(0)
    ages = np.array([20.0, 40.0, 65.5])
    np.testing.assert_allclose(law.hazard(ages, 1.5), 1.5 * law.a * np.exp(law.b * ages), rtol=1e-14)
    np.testing.assert_allclose(law.hazard(ages), law.a * np.exp(law.b * ages), rtol=1e-14)  # no multiplier: 1


@pytest.mark.parametrize("sex", [0, 1])
def test_somebody_alive_at_a_fitted_age_dies_within_the_year_with_the_cbs_probability(sex: int) -> None:
    """The simulation's path: `death_ages` at the draw e = -log(1 - q) lands exactly one year later, so
    P(death within the year) = P(E < -log(1 - q)) = q; with a multiplier m the year takes -m log(1 - q)."""
    laws = (law_for(0), law_for(1))
    for age, q in BRIEF_2019[sex]:
        for multiplier in (1.0, 1.5):
            e = -multiplier * math.log1p(-q)
            t = death_ages(np.array([age]), np.array([sex]), np.array([e]), laws, multiplier)[0]
            assert t == pytest.approx(age + 1.0, abs=1e-9), (age, multiplier)


@pytest.mark.parametrize("name", ["smoke.toml", "soweco_2019.toml", "national_2016.toml"])
def test_every_config_uses_the_brief_figures(name: str) -> None:
    raw = tomllib.loads((CONFIGS / name).read_text(encoding="utf-8"))
    points = raw["demography"]["mortality"]["qx_points"]
    assert {"M": [tuple(p) for p in points["M"]], "V": [tuple(p) for p in points["V"]]} == {
        "M": BRIEF_2019[0],
        "V": BRIEF_2019[1],
    }


def test_the_oracle_gives_the_cbs_probability_for_a_man_of_forty() -> None:
    """The oracle must not share a wrong law with the simulation: a man aged exactly 40 on 1 January 2019,
    no other risk, multiplier m, dies in 2019 with probability 1 - (1 - q(40))^m by the brief's q alone."""
    raw = tomllib.loads((CONFIGS / "smoke.toml").read_text(encoding="utf-8"))
    for table in ("scenarios", "organisations", "money", "viability"):
        raw.pop(table, None)
    multiplier = 1.5
    raw["demography"]["mortality"]["excess_multiplier"] = multiplier
    raw["demography"]["illness"] = {"bands": [{"from_age": 0, "hazard_per_year": 0.0}]}
    raw["demography"]["voluntary"]["hazard_per_year"] = dict.fromkeys(
        ("beschut_binnen", "groepsdetachering", "individuele_detachering", "begeleid_werken"), 0.0
    )
    config = config_from_dict(raw, source="mortality.toml")
    pop = Population(
        municipalities=config.municipalities,
        person_id=np.array(["m40", "v60"], dtype=object),
        municipality=np.zeros(2, np.int16),
        birth_month=np.array([month_index(date(1979, 1, 1)), month_index(date(1959, 1, 1))], np.int32),
        sex=np.array([0, 1], np.int8),
        se=np.ones(2),
        work_form=np.zeros(2, np.int8),
        disability=np.zeros(2, np.int8),
        wsw_start_month=np.full(2, month_index(date(2000, 1, 1)), np.int32),
    )
    model = Model(config=config, population=pop, demography=DemographyModel.from_config(config.demography))
    e = expectations(model)
    deaths = e[(e["year"] == 2019) & (e["quantity"] == "exits_death")]["expected"].sum()
    expected = (1 - (1 - 0.0008) ** multiplier) + (1 - (1 - 0.0046) ** multiplier)
    assert deaths == pytest.approx(expected, rel=1e-9)


def test_the_laws_by_sex_follow_the_config_order() -> None:
    raw = tomllib.loads((CONFIGS / "smoke.toml").read_text(encoding="utf-8"))
    laws = gompertz_by_sex(config_from_dict(raw, source="smoke.toml").demography.mortality)
    for sex in (0, 1):
        for age, q in BRIEF_2019[sex]:
            assert one_year_q(laws[sex].a, laws[sex].b, age) == pytest.approx(q, rel=1e-9)


# ------------------------------------------------------------------- the fit and the inverse, generally


@pytest.mark.parametrize(
    "points",
    [
        [(40.0, 0.0008), (60.0, 0.0063)],
        [(40.0, 0.0006), (60.0, 0.0046)],
        [(61.0, 0.00734), (67.0, 0.0148)],
        [(40.0, 0.01), (60.0, 0.01)],
        [(40.0, 0.01), (60.0, 0.005)],
    ],
)
def test_gompertz_through_two_points_is_exact(points: list[tuple[float, float]]) -> None:
    law = fit_gompertz(points)
    for age, q in points:
        assert law.q(age) == pytest.approx(q, rel=1e-12)
        assert one_year_q(law.a, law.b, age) == pytest.approx(q, rel=1e-9)


def test_a_least_squares_fit_through_three_points_is_not_exact_but_close() -> None:
    points = [(40.0, 0.0008), (60.0, 0.0063), (67.0, 0.0148)]
    law = fit_gompertz(points)
    for age, q in points:
        assert one_year_q(law.a, law.b, age) == pytest.approx(q, rel=0.25)
    assert any(abs(one_year_q(law.a, law.b, age) / q - 1) > 1e-3 for age, q in points)


def test_gompertz_through_points_on_a_gompertz_curve_recovers_it() -> None:
    truth = Gompertz(a=3e-5, b=0.095)
    law = fit_gompertz([(x, one_year_q(truth.a, truth.b, x)) for x in (35.0, 45.0, 55.0, 65.0)])
    assert law.a == pytest.approx(truth.a, rel=1e-9)
    assert law.b == pytest.approx(truth.b, rel=1e-9)


def _integrated_hazard(law: Gompertz, multiplier: float, x0: float, x1: float) -> float:
    """Midpoint rule with a million cells: an integration independent of the closed form."""
    grid = np.linspace(x0, x1, 1_000_001)
    mid = (grid[1:] + grid[:-1]) / 2
    return float(np.sum(multiplier * law.a * np.exp(law.b * mid)) * (x1 - x0) / 1_000_000)


@pytest.mark.parametrize(("age", "e", "multiplier"), [(50.0, 0.3, 2.0), (22.0, 0.01, 1.0), (64.0, 2.5, 1.5)])
def test_death_age_accumulates_exactly_the_drawn_hazard(age: float, e: float, multiplier: float) -> None:
    law = Gompertz(a=1e-4, b=0.1)
    t = death_ages(np.array([age]), np.array([0]), np.array([e]), (law, law), multiplier)[0]
    assert t > age
    assert _integrated_hazard(law, multiplier, age, t) == pytest.approx(e, rel=1e-9)
    assert float(law.cumulative(np.array([t]), multiplier)[0] - law.cumulative(np.array([age]), multiplier)[0]) == (
        pytest.approx(e, rel=1e-9)
    )


def test_death_age_by_hand() -> None:
    law = Gompertz(a=1e-4, b=0.1)
    # 2e-4 / 0.1 * (e^{0.1 T} - e^5) = 0.3  =>  T = 10 ln(e^5 + 150)
    t = death_ages(np.array([50.0]), np.array([1]), np.array([0.3]), (law, law), 2.0)[0]
    assert t == pytest.approx(10 * math.log(math.exp(5) + 150), rel=1e-12)


def test_death_ages_pick_each_persons_own_law() -> None:
    men, women = Gompertz(a=1e-4, b=0.1), Gompertz(a=1e-5, b=0.1)
    t = death_ages(np.array([50.0, 50.0]), np.array([0, 1]), np.array([0.3, 0.3]), (men, women), 1.0)
    assert t[0] == pytest.approx(10 * math.log(math.exp(5) + 300), rel=1e-12)
    assert t[1] == pytest.approx(10 * math.log(math.exp(5) + 3000), rel=1e-12)


@pytest.mark.filterwarnings("error")  # a draw beyond a falling hazard's total is inf quietly
def test_falling_or_flat_mortality_never_gives_nan() -> None:
    falling = fit_gompertz([(40.0, 0.01), (60.0, 0.005)])
    flat = Gompertz(a=0.01, b=0.0)
    e = np.array([1e-3, 0.1, 1.0, 10.0])
    ages = np.full(4, 50.0)
    t_falling = death_ages(ages, np.zeros(4, int), e, (falling, falling), 1.0)
    total = falling.a * math.exp(falling.b * 50) / -falling.b  # the hazard left from 50 onwards
    assert not np.any(np.isnan(t_falling))
    assert np.all(np.isinf(t_falling[e > total])) and np.all(np.isfinite(t_falling[e < total]))
    t_flat = death_ages(ages, np.zeros(4, int), e, (flat, flat), 1.0)
    assert t_flat == pytest.approx(50.0 + e / 0.01, rel=1e-12)
    assert flat.q(50.0) == pytest.approx(-math.expm1(-0.01), rel=1e-12)
    assert flat.cumulative(np.array([30.0]))[0] == pytest.approx(0.3, rel=1e-12)
    assert fit_gompertz([(40.0, 0.01), (60.0, 0.01)]).q(75.0) == pytest.approx(0.01, rel=1e-9)


def test_zero_excess_mortality_means_nobody_dies() -> None:
    law = Gompertz(a=1e-4, b=0.1)
    assert np.all(np.isinf(death_ages(np.array([50.0, 90.0]), np.array([0, 1]), np.array([0.1, 5.0]), (law, law), 0)))


@pytest.mark.filterwarnings("error")  # no division by a zero hazard, no numpy warning
def test_without_mortality_nobody_dies() -> None:
    laws = (law_for(0), law_for(1))
    ages = death_ages(np.array([40.0, 60.0]), np.array([0, 1]), np.array([0.5, 3.0]), laws, 0.0)
    assert np.all(np.isinf(ages))
