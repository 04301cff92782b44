"""Money: the finance identity to the cent, allocation, organisations per year, sites and transitions."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute
import pytest
from org_configs import smoke

from sim.inputs.config import Partition
from sim.model.finance import COST_COLUMNS, INCOME_COLUMNS, OrganisationHistory, finance_tables
from sim.model.replication import Model, run_replication
from sim.runs import schema


@pytest.fixture(scope="module")
def tables():
    config = smoke()
    model = Model.prepare(config)
    pieces: dict[str, list[pa.Table]] = {}
    for replication in range(4):
        for name, parts in run_replication(model, replication, 5).items():
            pieces.setdefault(name, []).extend(parts)
    return config, {name: pa.concat_tables(parts).to_pandas() for name, parts in pieces.items() if parts}


def test_finance_identity_holds_to_the_cent_for_every_row_and_every_scenario_replication_year(tables):
    _, t = tables
    fin = t["finance"]
    assert len(fin) > 0
    balance = fin[list(COST_COLUMNS)].sum(axis=1) - fin[list(INCOME_COLUMNS)].sum(axis=1)
    assert np.abs(fin["municipal_contribution_eur"] - balance).max() < 0.005
    grouped = fin.groupby(["scenario", "replication", "year"]).sum(numeric_only=True)
    total = grouped[list(COST_COLUMNS)].sum(axis=1) - grouped[list(INCOME_COLUMNS)].sum(axis=1)
    assert np.abs(grouped["municipal_contribution_eur"] - total).max() < 0.005 * len(fin["municipality"].unique())


def test_nobody_is_in_two_organisations(tables):
    config, t = tables
    fin = t["finance"]
    per_year = fin.groupby(["scenario", "replication", "year", "municipality"])["organisation"].nunique()
    assert per_year.max() == 1
    orgs = t["organisations"]
    for (_, _, _), group in orgs.groupby(["scenario", "replication", "year"]):
        members = [m for row in group["members"] for m in row.split(",")]
        assert sorted(members) == sorted(set(members))
        assert set(members) <= set(config.municipalities)


def test_organisations_follow_the_timeline(tables):
    _, t = tables
    orgs = t["organisations"]
    shared = orgs[orgs.scenario == "shared"]
    assert set(shared.organisation) == {"Regio"}
    split = orgs[orgs.scenario == "per_municipality"]
    assert set(split[split.year <= 2020].organisation) == {"Regio"}
    assert set(split[split.year >= 2021].organisation) == {"Almelo", "Tubbergen"}


def test_transition_costs_are_booked_in_the_year_of_the_split(tables):
    config, t = tables
    fin = t["finance"]
    setup = config.organisations.defaults.setup_cost_eur
    split_2021 = fin[(fin.scenario == "per_municipality") & (fin.year == 2021)]
    per_org = split_2021.groupby(["replication", "organisation"])["transition_cost_eur"].sum()
    wage_index = (1 + config.money.wage_index_per_year) ** (2021 - config.money.price_year)
    assert (per_org >= setup * wage_index - 0.01).all()
    shared = fin[fin.scenario == "shared"]
    assert shared["transition_cost_eur"].sum() == 0


def test_subsidy_is_each_municipality_own_se_and_costs_follow_the_key(tables):
    _, t = tables
    fin = t["finance"]
    row = fin[(fin.scenario == "shared") & (fin.year == 2019) & (fin.replication == 0)].set_index("municipality")
    share = row["subsidy_eur"] / row["subsidy_eur"].sum()  # the SE-share key, since the subsidy is per SE
    for column in ("overhead_eur", "coach_cost_eur", "site_cost_eur"):
        np.testing.assert_allclose(row[column] / row[column].sum(), share, atol=1e-6)


def finance_of_one(
    config: Any,
    timeline: Any,
    history: OrganisationHistory,
    se_years: np.ndarray,
    person_years: np.ndarray,
    stock_persons: np.ndarray,
    stock_se: np.ndarray,
    scenario: str,
) -> tuple[pa.Table, pa.Table]:
    """`finance_tables` for one replication (number 0), from arrays without the replication axis."""
    return finance_tables(
        config,
        timeline,
        [history],
        se_years[None],
        person_years[None],
        stock_persons[None],
        stock_se[None],
        scenario,
        [0],
    )


def _history_one_org() -> OrganisationHistory:
    return OrganisationHistory(fte_history={"Regio": [(2019.0, 2.0), (2019.5, 4.0)]}, created={})


def test_finance_by_hand_for_one_year():
    """Two municipalities, one organisation, one year: every column computed by hand."""
    config = smoke({"horizon": {"end_year": 2019}})
    money = config.money
    params = config.organisations.defaults
    # [year, municipality, form]: Almelo 10 SE-years beschut, 5 individueel; Tubbergen 5 begeleid
    se_years = np.zeros((1, 2, 4))
    se_years[0, 0, 0], se_years[0, 0, 2], se_years[0, 1, 3] = 10.0, 5.0, 5.0
    person_years = se_years / 0.5
    stock_persons = np.zeros((2, 2, 4))
    stock_persons[:, 0, 0] = 30  # 30 in beschut_binnen: needs the 40-place Almelo site
    stock_se = stock_persons * 0.5
    timeline = config.scenarios["shared"].timeline
    fin, orgs = finance_of_one(
        config, timeline, _history_one_org(), se_years, person_years, stock_persons, stock_se, "shared"
    )
    f = fin.to_pandas().set_index("municipality")
    wage = 15.0 * money.wage_cost_eur_per_se  # begeleid werken is paid by the employer
    coach = (2.0 * 0.5 + 4.0 * 0.5) * money.coach_cost_eur_per_fte_year
    staff = sum(
        person_years[0, m, k] * params.staff_cost_eur_per_person_year[form]
        for m in range(2)
        for k, form in enumerate(["beschut_binnen", "groepsdetachering", "individuele_detachering", "begeleid_werken"])
    )
    overhead = params.fixed_overhead_eur_per_year + params.governance_eur_per_year + staff
    site = config.organisations.sites[0].fixed_cost_eur_per_year
    key = {"Almelo": 15.0 / 20.0, "Tubbergen": 5.0 / 20.0}
    for m, k in key.items():
        assert f.loc[m, "wage_cost_eur"] == pytest.approx(wage * k, abs=0.01)
        assert f.loc[m, "wage_subsidy_eur"] == pytest.approx(5.0 * money.wage_subsidy_eur_per_se * k, abs=0.01)
        assert f.loc[m, "coach_cost_eur"] == pytest.approx(coach * k, abs=0.01)
        assert f.loc[m, "overhead_eur"] == pytest.approx(overhead * k, abs=0.01)
        assert f.loc[m, "site_cost_eur"] == pytest.approx(site * k, abs=0.01)
    av = (
        10 * money.added_value_eur_per_se["beschut_binnen"]
        + 5 * money.added_value_eur_per_se["individuele_detachering"]
    )
    assert f["added_value_eur"].sum() == pytest.approx(av, abs=0.02)
    assert f.loc["Almelo", "subsidy_eur"] == pytest.approx(15 * money.subsidy_eur_per_se, abs=0.01)
    assert f.loc["Tubbergen", "subsidy_eur"] == pytest.approx(5 * money.subsidy_eur_per_se, abs=0.01)
    o = orgs.to_pandas().iloc[0]
    assert o["persons"] == 30 and o["coaches_fte"] == 4.0 and o["persons_per_coach"] == 7.5
    assert o["overhead_eur_per_se"] == pytest.approx(overhead / 20.0, abs=0.01)
    # the tables carry the schemas' units and descriptions, and every row its scenario
    assert fin.schema.equals(schema.FINANCE, check_metadata=True)
    assert orgs.schema.equals(schema.ORGANISATIONS, check_metadata=True)
    assert fin.column("scenario").to_pylist() == ["shared"] * 2 and orgs.column("scenario").to_pylist() == ["shared"]


def test_an_organisation_without_a_site_buys_places_from_the_one_with_a_site():
    config = smoke({"horizon": {"end_year": 2021}})
    n_years = 3
    se_years = np.zeros((n_years, 2, 4))
    se_years[:, :, 0] = 10.0
    person_years = se_years.copy()
    stock_persons = np.zeros((n_years + 1, 2, 4))
    stock_persons[:, :, 0] = 10
    stock_persons[:, 0, 0] = 20  # Almelo fills its 40-place site to half: it stays open
    history = OrganisationHistory(
        fte_history={"Regio": [(2019.0, 1.0), (2021.0, 0.0)], "Almelo": [(2021.0, 1.0)], "Tubbergen": [(2021.0, 1.0)]},
        created={"Almelo": [2021.0], "Tubbergen": [2021.0]},
    )
    fin, _ = finance_of_one(
        config,
        config.scenarios["per_municipality"].timeline,
        history,
        se_years,
        person_years,
        stock_persons,
        stock_persons * 1.0,
        "per_municipality",
    )
    f = fin.to_pandas()
    y2021 = f[f.year == 2021].set_index("organisation")
    ix = (1 + config.money.price_index_per_year) ** 2
    tariff = 10.0 * config.money.sheltered_place_tariff_eur_per_person_year * ix
    assert y2021.loc["Tubbergen", "site_cost_eur"] == pytest.approx(tariff, abs=0.01)
    av_almelo = 10.0 * config.money.added_value_eur_per_se["beschut_binnen"] * ix + tariff
    assert y2021.loc["Almelo", "added_value_eur"] == pytest.approx(av_almelo, abs=0.01)
    assert pd.Series(f.year).isin([2019, 2020, 2021]).all()


def test_a_site_filled_below_its_minimum_occupancy_closes_and_its_places_are_bought():
    config = smoke({"horizon": {"end_year": 2020}})
    site = config.organisations.sites[0]
    se_years = np.zeros((2, 2, 4))
    se_years[:, 0, 0] = 10.0
    stock_persons = np.zeros((3, 2, 4))
    stock_persons[0, 0, 0] = 30  # start: 30 of 40 places, open in 2019
    stock_persons[1, 0, 0] = 10  # end 2019: 10 of 40 (below 30%), closed in 2020
    history = OrganisationHistory(fte_history={"Regio": [(2019.0, 1.0)]}, created={})
    fin, _ = finance_of_one(
        config,
        config.scenarios["shared"].timeline,
        history,
        se_years,
        se_years,
        stock_persons,
        stock_persons,
        "shared",
    )
    by_year = fin.to_pandas().groupby("year")[["site_cost_eur", "transition_cost_eur"]].sum()
    ix = 1 + config.money.price_index_per_year
    assert by_year.loc[2019, "site_cost_eur"] == pytest.approx(site.fixed_cost_eur_per_year, abs=0.02)
    assert by_year.loc[2019, "transition_cost_eur"] == 0
    assert by_year.loc[2020, "transition_cost_eur"] == pytest.approx(site.closure_cost_eur * ix, abs=0.02)
    bought = 10.0 * config.money.sheltered_place_tariff_eur_per_person_year * ix
    assert by_year.loc[2020, "site_cost_eur"] == pytest.approx(bought, abs=0.02)


def test_replications_computed_together_each_get_what_they_get_alone():
    """Sites are a state machine per replication: side by side, one replication's site closing, or its buying
    from the other organisation, must not leak into another's."""
    config = smoke({"horizon": {"end_year": 2022}})
    timeline = config.scenarios["per_municipality"].timeline
    rng = np.random.default_rng(3)
    n_years = 4
    inputs = []
    for first_years in ([30, 30, 30], [12, 10, 10], [0, 0, 0]):  # Almelo's site: closes late, early, at once
        se_years = rng.uniform(0, 12, (n_years, 2, 4))
        stock_persons = rng.integers(0, 25, (n_years + 1, 2, 4))
        stock_persons[:, 0, 0] = [*first_years, 9, 9]
        history = OrganisationHistory(
            fte_history={"Regio": [(2019.0, 1.0), (2021.0, 0.0)], "Almelo": [(2021.0, 1.0)]},
            created={"Almelo": [2021.0], "Tubbergen": [2021.0]},
        )
        inputs.append((history, se_years, se_years * 1.7, stock_persons, stock_persons * 0.5))
    together = finance_tables(
        config,
        timeline,
        [x[0] for x in inputs],
        *(np.stack([x[i] for x in inputs]) for i in range(1, 5)),
        "per_municipality",
        [0, 1, 2],
    )
    for r, (history, *arrays) in enumerate(inputs):
        alone = finance_tables(config, timeline, [history], *(a[None] for a in arrays), "per_municipality", [r])
        for both, one in zip(together, alone, strict=True):
            mine = both.filter(pa.compute.equal(both.column("replication"), r))
            assert mine.equals(one), r
    closed = together[0].to_pandas().groupby(["replication", "year"])["transition_cost_eur"].sum().unstack()
    assert closed.loc[2, 2019] > 0 == closed.loc[0, 2019] == closed.loc[1, 2019]  # the replications do differ
    assert closed.loc[0, 2022] > 0 == closed.loc[1, 2022] == closed.loc[2, 2022]


# ------------------------------------------------------- by hand, after the price year, every allocation key

# Every index different and none zero, so a price indexed at another's rate shows (smoke: price year 2019).
INDICES = {"wage_index_per_year": 0.025, "price_index_per_year": 0.03, "subsidy_index_per_year": 0.015}
FIXED_SHARES = {"Almelo": 0.7, "Tubbergen": 0.3}
# [municipality][form] for Almelo, Tubbergen; forms beschut_binnen, groepsdetachering, individuele_detachering,
# begeleid_werken. Person-years are not proportional to SE-years, so the SE and persons keys differ.
SE_YEAR = [[10.0, 4.0, 5.0, 2.0], [3.0, 2.0, 1.0, 4.0]]
PERSON_YEAR = [[12.0, 5.0, 6.0, 3.0], [4.0, 2.0, 2.0, 6.0]]
BESCHUT_STOCK = [30, 5]  # at every year end: Almelo's 40-place site stays open


def _by_hand_config(allocation_key: str, end_year: int) -> Any:
    money: dict[str, Any] = {**INDICES, "allocation_key": allocation_key}
    if allocation_key == "fixed":
        money["fixed_allocation"] = FIXED_SHARES
    return smoke({"horizon": {"end_year": end_year}, "money": money})


def _by_hand_arrays(n_years: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    se_years = np.broadcast_to(np.array(SE_YEAR), (n_years, 2, 4)).copy()
    person_years = np.broadcast_to(np.array(PERSON_YEAR), (n_years, 2, 4)).copy()
    stock_persons = np.zeros((n_years + 1, 2, 4))
    stock_persons[:, :, 0] = BESCHUT_STOCK
    stock_persons[:, :, 1:] = 2.0
    return se_years, person_years, stock_persons


@pytest.mark.parametrize("allocation_key", ["se_share", "persons_share", "fixed"])
def test_a_shared_organisation_two_years_after_the_price_year_by_hand(allocation_key: str) -> None:
    """Regio (Almelo and Tubbergen) in 2021: every column in euros from the config's numbers, by hand."""
    config = _by_hand_config(allocation_key, 2021)
    se_years, person_years, stock_persons = _by_hand_arrays(3)
    # a change after the horizon: the year-end FTE is read at 31 December, not a year later
    history = OrganisationHistory(fte_history={"Regio": [(2019.0, 2.0), (2021.5, 3.0), (2022.5, 1.0)]}, created={})
    fin, orgs = finance_of_one(
        config,
        config.scenarios["shared"].timeline,
        history,
        se_years,
        person_years,
        stock_persons,
        stock_persons * 0.5,
        "shared",
    )
    f = fin.to_pandas()
    f = f[f.year == 2021].set_index("municipality")
    # the config's numbers (smoke.toml), written out
    wage_ix, price_ix, subsidy_ix = 1.025**2, 1.03**2, 1.015**2
    wage = (10 + 4 + 5 + 3 + 2 + 1) * 30000 * wage_ix  # begeleid werken (2 + 4 SE) is paid by the employer
    wage_subsidy = (2 + 4) * 14000 * wage_ix
    coach = (2.0 * 0.5 + 3.0 * 0.5) * 65000 * wage_ix
    staff = (12 + 4) * 6000 + (5 + 2) * 2500 + (6 + 2) * 900 + (3 + 6) * 500
    overhead = (600000 + 250000 + staff) * wage_ix  # fixed overhead, governance (two members), staff
    site = 150000 * price_ix  # the Almelo site, 35 of 40 places filled: open, nothing bought
    added_value = ((10 + 3) * 5500 + (4 + 2) * 11000 + (5 + 1) * 14000) * price_ix
    subsidy = {"Almelo": 21 * 22700 * subsidy_ix, "Tubbergen": 10 * 22700 * subsidy_ix}  # own SE
    key = {
        "se_share": {"Almelo": 21 / 31, "Tubbergen": 10 / 31},
        "persons_share": {"Almelo": 26 / 40, "Tubbergen": 14 / 40},
        "fixed": FIXED_SHARES,
    }[allocation_key]
    for m, k in key.items():
        row = f.loc[m]
        assert row["wage_cost_eur"] == pytest.approx(wage * k, abs=0.01)
        assert row["wage_subsidy_eur"] == pytest.approx(wage_subsidy * k, abs=0.01)
        assert row["coach_cost_eur"] == pytest.approx(coach * k, abs=0.01)
        assert row["overhead_eur"] == pytest.approx(overhead * k, abs=0.01)
        assert row["site_cost_eur"] == pytest.approx(site * k, abs=0.01)
        assert row["transition_cost_eur"] == 0
        assert row["added_value_eur"] == pytest.approx(added_value * k, abs=0.01)
        assert row["subsidy_eur"] == pytest.approx(subsidy[m], abs=0.01)
        costs = (wage + wage_subsidy + coach + overhead + site) * k
        assert row["municipal_contribution_eur"] == pytest.approx(costs - subsidy[m] - added_value * k, abs=0.05)
    assert orgs.to_pandas().set_index("year").loc[2020, "coaches_fte"] == 2.0
    o = orgs.to_pandas().set_index("year").loc[2021]
    assert o["persons"] == 35 + 2 * 6 and o["se"] == pytest.approx(0.5 * (35 + 2 * 6))
    assert o["coaches_fte"] == 3.0 and o["persons_per_coach"] == pytest.approx(47 / 3)
    assert o["overhead_eur_per_se"] == pytest.approx(overhead / wage_ix / 31, abs=0.01)  # EUR of the price year


def test_single_municipality_organisations_after_a_split_by_hand() -> None:
    """per_municipality: Almelo and Tubbergen alone from 2021. No governance for one member, the setup cost
    once in the year of creation (at the wage index), Tubbergen buying its sheltered places from Almelo."""
    config = _by_hand_config("persons_share", 2022)
    se_years, person_years, stock_persons = _by_hand_arrays(4)
    history = OrganisationHistory(
        fte_history={"Regio": [(2019.0, 2.0), (2021.0, 0.0)], "Almelo": [(2021.0, 1.5)], "Tubbergen": [(2021.0, 1.0)]},
        created={"Almelo": [2021.0], "Tubbergen": [2021.0]},
    )
    fin, _ = finance_of_one(
        config,
        config.scenarios["per_municipality"].timeline,
        history,
        se_years,
        person_years,
        stock_persons,
        stock_persons * 0.5,
        "per_municipality",
    )
    f = fin.to_pandas().set_index(["year", "organisation"])
    for year in (2021, 2022):
        wage_ix, price_ix = 1.025 ** (year - 2019), 1.03 ** (year - 2019)
        setup = 400000 * wage_ix if year == 2021 else 0.0
        t = f.loc[(year, "Tubbergen")]
        assert t["municipality"] == "Tubbergen"
        staff_t = 4 * 6000 + 2 * 2500 + 2 * 900 + 6 * 500
        assert t["overhead_eur"] == pytest.approx((600000 + staff_t) * wage_ix, abs=0.01)  # no governance
        assert t["coach_cost_eur"] == pytest.approx(1.0 * 65000 * wage_ix, abs=0.01)
        assert t["transition_cost_eur"] == pytest.approx(setup, abs=0.01)
        bought = 4 * 5000 * price_ix  # all 4 beschut person-years at the tariff: Tubbergen has no site
        assert t["site_cost_eur"] == pytest.approx(bought, abs=0.01)
        assert t["added_value_eur"] == pytest.approx((3 * 5500 + 2 * 11000 + 1 * 14000) * price_ix, abs=0.01)
        assert t["subsidy_eur"] == pytest.approx(10 * 22700 * 1.015 ** (year - 2019), abs=0.01)
        a = f.loc[(year, "Almelo")]
        staff_a = 12 * 6000 + 5 * 2500 + 6 * 900 + 3 * 500
        assert a["overhead_eur"] == pytest.approx((600000 + staff_a) * wage_ix, abs=0.01)
        assert a["transition_cost_eur"] == pytest.approx(setup, abs=0.01)
        assert a["site_cost_eur"] == pytest.approx(150000 * price_ix, abs=0.01)
        own = (10 * 5500 + 4 * 11000 + 5 * 14000) * price_ix
        assert a["added_value_eur"] == pytest.approx(own + bought, abs=0.01)  # the tariff is Almelo's income
    # Regio before the split: two members, so governance is charged
    regio = f.loc[(2020, "Regio")]
    staff = (12 + 4) * 6000 + (5 + 2) * 2500 + (6 + 2) * 900 + (3 + 6) * 500
    assert regio["overhead_eur"].sum() == pytest.approx((600000 + 250000 + staff) * 1.025, abs=0.02)
    total_setup = fin.to_pandas()["transition_cost_eur"].sum()
    assert total_setup == pytest.approx(2 * 400000 * 1.025**2, abs=0.02)  # once per new organisation


def test_an_organisation_whose_members_change_is_charged_for_each_years_members() -> None:
    """Regio loses Tubbergen in 2020 (a timeline made here): from then on one member, so no governance and
    no Tubbergen rows; Tubbergen alone has its own overrides (a smaller back office)."""
    config = smoke(
        {
            "horizon": {"end_year": 2020},
            "money": INDICES,
            "organisations": {"overrides": {"Tubbergen": {"fixed_overhead_eur_per_year": 300000}}},
        }
    )
    timeline = [
        Partition.model_validate({"start": date(2019, 1, 1), "organisations": {"Regio": ["Almelo", "Tubbergen"]}}),
        Partition.model_validate(
            {"start": date(2020, 1, 1), "organisations": {"Regio": ["Almelo"], "Tubbergen": ["Tubbergen"]}}
        ),
    ]
    se_years, person_years, stock_persons = _by_hand_arrays(2)
    history = OrganisationHistory(
        fte_history={"Regio": [(2019.0, 1.0)], "Tubbergen": [(2020.0, 1.0)]}, created={"Tubbergen": [2020.0]}
    )
    fin, orgs = finance_of_one(
        config, timeline, history, se_years, person_years, stock_persons, stock_persons * 0.5, "moved"
    )
    f = fin.to_pandas()
    staff_a = 12 * 6000 + 5 * 2500 + 6 * 900 + 3 * 500
    staff_t = 4 * 6000 + 2 * 2500 + 2 * 900 + 6 * 500
    y2019 = f[f.year == 2019]
    assert set(y2019.municipality) == {"Almelo", "Tubbergen"} and set(y2019.organisation) == {"Regio"}
    assert y2019["overhead_eur"].sum() == pytest.approx(600000 + 250000 + staff_a + staff_t, abs=0.02)
    y2020 = f[f.year == 2020].set_index("organisation")
    assert y2020.loc["Regio", "municipality"] == "Almelo"
    assert y2020.loc["Regio", "overhead_eur"] == pytest.approx((600000 + staff_a) * 1.025, abs=0.01)
    assert y2020.loc["Tubbergen", "overhead_eur"] == pytest.approx((300000 + staff_t) * 1.025, abs=0.01)
    assert y2020.loc["Tubbergen", "transition_cost_eur"] == pytest.approx(400000 * 1.025, abs=0.01)
    members = orgs.to_pandas().set_index(["year", "organisation"])["members"]
    assert members.to_dict() == {
        (2019, "Regio"): "Almelo,Tubbergen",
        (2020, "Regio"): "Almelo",
        (2020, "Tubbergen"): "Tubbergen",
    }


def test_an_organisation_without_employees_pays_no_fixed_overhead() -> None:
    """Everybody gone in 2020: the site closes (a transition cost), but no overhead is charged that year."""
    config = smoke({"horizon": {"end_year": 2020}, "money": INDICES})
    se_years, person_years, stock_persons = _by_hand_arrays(2)
    se_years[1], person_years[1], stock_persons[1:] = 0.0, 0.0, 0.0
    history = OrganisationHistory(fte_history={"Regio": [(2019.0, 1.0), (2020.0, 0.0)]}, created={})
    fin, _ = finance_of_one(
        config,
        config.scenarios["shared"].timeline,
        history,
        se_years,
        person_years,
        stock_persons,
        stock_persons * 0.5,
        "shared",
    )
    by_year = fin.to_pandas().groupby("year")[["overhead_eur", "transition_cost_eur", "wage_cost_eur"]].sum()
    assert by_year.loc[2019, "overhead_eur"] > 600000
    assert by_year.loc[2020, "overhead_eur"] == 0 and by_year.loc[2020, "wage_cost_eur"] == 0
    assert by_year.loc[2020, "transition_cost_eur"] == pytest.approx(150000 * 1.03, abs=0.01)  # the site closes


@pytest.mark.filterwarnings("error")  # empty years are computed quietly: no numpy warning on the console
def test_years_without_anything_have_no_rows_and_small_or_empty_years_their_own_ratios() -> None:
    """No sites. 2019 normal; 2020 nobody and no coach: no row at all; 2021 half a person-year and half a
    coach FTE: the fixed overhead is charged, persons per coach is persons / 0.5, the subsidy, added value
    and commercial result are 2021's own (not the empty 2020's); 2022 a coach but nobody: a row (the coach
    costs), no overhead, persons per coach 0, overhead per SE undefined (null), no result of other groups."""
    config = smoke(
        {
            "horizon": {"end_year": 2022},
            "money": INDICES,
            "organisations": {"sites": [], "defaults": {"commercial_result_eur_per_se": 2000.0}},
        }
    )
    se_years, person_years, stock_persons = _by_hand_arrays(4)
    se_years[1:], person_years[1:], stock_persons[2:] = 0.0, 0.0, 0.0
    se_years[2, 0, 0], person_years[2, 0, 0] = 0.25, 0.5
    stock_persons[0, 0, 0], stock_persons[3, 0, 0] = 99, 1  # end 2018 (never reported), end 2021
    history = OrganisationHistory(
        fte_history={"Regio": [(2019.0, 1.0), (2020.0, 0.0), (2021.0, 0.5), (2022.0, 1.0)]}, created={}
    )
    fin, orgs = finance_of_one(
        config,
        config.scenarios["shared"].timeline,
        history,
        se_years,
        person_years,
        stock_persons,
        stock_persons * 0.5,
        "shared",
    )
    f = fin.to_pandas()
    assert sorted(set(f.year)) == [2019, 2021, 2022] and len(f) == 6
    by_year = f.groupby("year")[["overhead_eur", "coach_cost_eur", "wage_cost_eur"]].sum()
    assert by_year.loc[2021, "overhead_eur"] == pytest.approx((600000 + 250000 + 0.5 * 6000) * 1.025**2, abs=0.02)
    assert by_year.loc[2022, "overhead_eur"] == 0 and by_year.loc[2022, "wage_cost_eur"] == 0
    assert by_year.loc[2022, "coach_cost_eur"] == pytest.approx(65000 * 1.025**3, abs=0.02)
    almelo_2021 = f[f.year == 2021].set_index("municipality").loc["Almelo"]  # all 0.25 SE-years are Almelo's
    assert almelo_2021["subsidy_eur"] == pytest.approx(0.25 * 22700 * 1.015**2, abs=0.01)
    assert almelo_2021["added_value_eur"] == pytest.approx(0.25 * 5500 * 1.03**2, abs=0.01)
    assert almelo_2021["commercial_result_eur"] == pytest.approx(0.25 * 2000 * 1.03**2, abs=0.01)
    o = orgs.to_pandas().set_index("year")
    assert list(o.index) == [2019, 2021, 2022]
    assert o.loc[2019, "persons"] == 35 + 2 * 6  # end of 2019, not of 2018
    assert o.loc[2021, "persons"] == 1 and o.loc[2021, "coaches_fte"] == 0.5
    assert o.loc[2021, "persons_per_coach"] == 2.0
    # per SE in EUR of the price year: the nominal overhead deflated by the wage index
    assert o.loc[2021, "overhead_eur_per_se"] == pytest.approx(
        by_year.loc[2021, "overhead_eur"] / 0.25 / 1.025**2, abs=0.1
    )
    assert o.loc[2022, "persons"] == 0 and o.loc[2022, "persons_per_coach"] == 0
    assert np.isnan(o.loc[2022, "overhead_eur_per_se"]) and orgs.column("overhead_eur_per_se").null_count == 1
    assert o.loc[2022, "other_groups_result_eur"] == 0
    assert set(o["members"]) == {"Almelo,Tubbergen"}


def test_a_scenario_with_nothing_to_pay_gives_empty_tables() -> None:
    config = smoke({"horizon": {"end_year": 2020}, "organisations": {"sites": []}})
    zeros = np.zeros((2, 2, 4))
    fin, orgs = finance_of_one(
        config,
        config.scenarios["shared"].timeline,
        OrganisationHistory(fte_history={}, created={}),
        zeros,
        zeros,
        np.zeros((3, 2, 4)),
        np.zeros((3, 2, 4)),
        "shared",
    )
    assert fin.num_rows == 0 and orgs.num_rows == 0
    assert fin.schema.names[:5] == ["scenario", "replication", "year", "organisation", "municipality"]


SITES_TWO = [
    {"name": "Small", "municipality": "Almelo", "capacity_persons": 10, "fixed_cost_eur_per_year": 50000,
     "closure_cost_eur": 20000},
    {"name": "Big", "municipality": "Almelo", "capacity_persons": 40, "fixed_cost_eur_per_year": 150000,
     "closure_cost_eur": 90000},
]  # fmt: skip


def test_sites_fill_largest_first_and_the_rest_is_bought() -> None:
    """Two sites, the small one listed first. 2019: 45 people, Big 40 and Small 5 (open: 5 >= 30% of 10);
    2020: 42 people, Big 40 and Small 2: Small closes (a transition cost) and 2 of 42 places are bought."""
    config = smoke({"horizon": {"end_year": 2020}, "money": INDICES, "organisations": {"sites": SITES_TWO}})
    se_years = np.zeros((2, 2, 4))
    se_years[:, 0, 0] = [44.0, 41.0]
    stock_persons = np.zeros((3, 2, 4))
    stock_persons[:, 0, 0] = [45, 42, 40]
    history = OrganisationHistory(fte_history={"Regio": [(2019.0, 1.0)]}, created={})
    fin, _ = finance_of_one(
        config, config.scenarios["shared"].timeline, history, se_years, se_years, stock_persons, stock_persons, "shared"
    )
    by_year = fin.to_pandas().groupby("year")[["site_cost_eur", "transition_cost_eur"]].sum()
    assert by_year.loc[2019, "site_cost_eur"] == pytest.approx(150000 + 50000, abs=0.02)
    assert by_year.loc[2019, "transition_cost_eur"] == 0
    bought = 2 / 42 * 41 * 5000 * 1.03
    assert by_year.loc[2020, "site_cost_eur"] == pytest.approx(150000 * 1.03 + bought, abs=0.02)
    assert by_year.loc[2020, "transition_cost_eur"] == pytest.approx(20000 * 1.03, abs=0.02)


def test_places_are_bought_from_the_largest_open_capacity_ties_to_the_name_last_in_order() -> None:
    """Almelo and Tubbergen alone, each a 20-place site: Almelo needs 30 (buys 10 of 30 places), Tubbergen 10;
    equal capacity kept, so the seller is Tubbergen (the name last in order), whose added value gains the tariff."""
    sites = [
        {"name": "A", "municipality": "Almelo", "capacity_persons": 20, "fixed_cost_eur_per_year": 100000},
        {"name": "T", "municipality": "Tubbergen", "capacity_persons": 20, "fixed_cost_eur_per_year": 100000},
    ]
    config = smoke({"horizon": {"end_year": 2019}, "organisations": {"sites": sites}})
    timeline = [
        Partition.model_validate(
            {"start": date(2019, 1, 1), "organisations": {"Almelo": ["Almelo"], "Tubbergen": ["Tubbergen"]}}
        )
    ]
    se_years = np.zeros((1, 2, 4))
    se_years[0, :, 0] = [30.0, 10.0]
    stock_persons = np.zeros((2, 2, 4))
    stock_persons[:, :, 0] = [30, 10]
    history = OrganisationHistory(fte_history={}, created={})
    fin, _ = finance_of_one(config, timeline, history, se_years, se_years, stock_persons, stock_persons, "split")
    f = fin.to_pandas().set_index("organisation")
    bought = 10 / 30 * 30 * 5000
    assert f.loc["Almelo", "site_cost_eur"] == pytest.approx(100000 + bought, abs=0.01)
    assert f.loc["Tubbergen", "site_cost_eur"] == pytest.approx(100000, abs=0.01)
    assert f.loc["Tubbergen", "added_value_eur"] == pytest.approx(10 * 5500 + bought, abs=0.01)
    assert f.loc["Almelo", "added_value_eur"] == pytest.approx(30 * 5500, abs=0.01)


# ------------------------------------------------------------------------------------------ rules, money


def _rule_tables(rule: dict[str, Any], replications: int = 2) -> tuple[Any, dict[str, pd.DataFrame]]:
    config = smoke({"scenarios": {"per_municipality": {"rules": [rule]}}})
    model = Model.prepare(config)
    pieces: dict[str, list[pa.Table]] = {}
    for replication in range(replications):
        for name, parts in run_replication(model, replication, 5, ["per_municipality"]).items():
            pieces.setdefault(name, []).extend(parts)
    return config, {name: pa.concat_tables(parts).to_pandas() for name, parts in pieces.items() if parts}


def test_a_merge_by_date_moves_the_members_and_the_merged_organisation_has_no_rows_after_its_last_year():
    from datetime import date

    rule = {"organisation": "Tubbergen", "at": date(2025, 1, 1), "action": "merge_into", "target": "Almelo"}
    _, t = _rule_tables(rule)
    orgs, fin = t["organisations"], t["finance"]
    assert set(orgs[orgs.organisation == "Tubbergen"].year) == set(range(2021, 2025))
    assert set(fin[fin.organisation == "Tubbergen"].year) <= set(range(2021, 2025))
    almelo = orgs[orgs.organisation == "Almelo"].set_index(["replication", "year"])["members"]
    assert (almelo.xs(2024, level="year") == "Almelo").all()
    assert (almelo.xs(2025, level="year") == "Almelo,Tubbergen").all()
    assert set(fin[(fin.year >= 2025)].municipality) == {"Almelo", "Tubbergen"}
    assert set(fin[(fin.year >= 2025)].organisation) == {"Almelo"}
    balance = fin[list(COST_COLUMNS)].sum(axis=1) - fin[list(INCOME_COLUMNS)].sum(axis=1)
    assert np.abs(fin["municipal_contribution_eur"] - balance).max() < 0.005


def test_buying_services_keeps_only_the_employer_overhead_in_the_buyers_rows():
    from datetime import date

    rule = {"organisation": "Tubbergen", "at": date(2025, 1, 1), "action": "buy_services_from", "target": "Almelo"}
    config, t = _rule_tables(rule, replications=1)
    fin = t["finance"]
    buyer = fin[(fin.organisation == "Tubbergen") & (fin.year >= 2025)]
    assert len(buyer) > 0
    overhead = config.organisations.defaults.employer_overhead_eur_per_year
    wage_ix = (1 + config.money.wage_index_per_year) ** (buyer.year - config.money.price_year)
    np.testing.assert_allclose(buyer.overhead_eur, np.round(overhead * wage_ix, 2))
    others = [c for c in (*COST_COLUMNS, *INCOME_COLUMNS) if c != "overhead_eur"]
    assert (buyer[others] == 0).all().all()
    served = fin[(fin.organisation == "Almelo") & (fin.year >= 2025)]
    assert set(served.municipality) == {"Almelo", "Tubbergen"}
    assert (served[served.municipality == "Tubbergen"].subsidy_eur > 0).all()


def test_an_organisation_without_members_costs_nothing():
    """Per_municipality with nobody in Tubbergen and no coach there: no Tubbergen row at all."""
    config = smoke({"horizon": {"end_year": 2022}})
    timeline = config.scenarios["per_municipality"].timeline
    se_years = np.zeros((4, 2, 4))
    se_years[:, 0, 0] = 10.0  # Almelo only, beschut_binnen
    stock_persons = np.zeros((5, 2, 4))
    stock_persons[:, 0, 0] = 20
    history = OrganisationHistory(
        fte_history={"Regio": [(2019.0, 1.0), (2021.0, 0.0)], "Almelo": [(2021.0, 1.0)]},
        created={"Almelo": [2021.0], "Tubbergen": [2021.0]},
    )
    fin, orgs = finance_of_one(
        config, timeline, history, se_years, se_years * 2, stock_persons, stock_persons * 0.5, "per_municipality"
    )
    f, o = fin.to_pandas(), orgs.to_pandas()
    assert "Tubbergen" not in set(f.organisation) and "Tubbergen" not in set(o.organisation)
    assert set(f[f.year >= 2021].organisation) == {"Almelo"}


def test_index_paths_by_hand():
    from sim.model.finance import index_path

    years = np.arange(2018, 2026)
    got = index_path(0.02, {2023: 0.10, 2024: 0.0}, 2019, years)
    # 2018 is one year before the price year; 2023 rises 10%, 2024 not at all, 2025 by the default again
    want = [1 / 1.02, 1.0, 1.02, 1.02**2, 1.02**3, 1.02**3 * 1.10, 1.02**3 * 1.10, 1.02**4 * 1.10]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(index_path(0.02, {}, 2019, years), 1.02 ** (years - 2019), rtol=0)


def test_new_money_components_by_hand():
    """Per_municipality 2019-2021 with a dissolution of Regio in 2021, sick leave, a commercial result and a
    wage path: each new column by hand, the identity to the cent, every index not 1."""
    config = smoke(
        {
            "horizon": {"end_year": 2021},
            "money": {"wage_index_by_year": {"2021": 0.10}, "sick_leave_years_before_illness_exit": 2.0},
            "organisations": {
                "defaults": {"commercial_result_eur_per_se": 2000.0},
                "overrides": {"Regio": {"dissolution_staff_eur": 1e6, "dissolution_ict_eur": 2e5}},
            },
        }
    )
    money = config.money
    timeline = config.scenarios["per_municipality"].timeline
    se_years = np.zeros((3, 2, 4))
    se_years[:, 0, 0], se_years[:, 1, 2] = 12.0, 4.0  # Almelo beschut_binnen, Tubbergen individuele detachering
    sick = np.zeros_like(se_years)
    sick[2, 0, 0] = 1.5  # 1.5 SE-years on sick leave in Almelo in 2021
    stock_persons = np.zeros((4, 2, 4))
    stock_persons[:, 0, 0], stock_persons[:, 1, 2] = 24, 8
    history = OrganisationHistory(
        fte_history={"Regio": [(2019.0, 1.0), (2021.0, 0.0)], "Almelo": [(2021.0, 0.5)], "Tubbergen": [(2021.0, 0.5)]},
        created={"Almelo": [2021.0], "Tubbergen": [2021.0]},
        dissolved=((2021.0, "Regio", 0, 0.75), (2021.0, "Regio", 1, 0.25)),
    )
    fin, _ = finance_tables(
        config, timeline, [history], se_years[None], se_years[None] * 2, stock_persons[None],
        stock_persons[None] * 0.5, "per_municipality", [0], sick_se_years=sick[None],
    )  # fmt: skip
    f = fin.to_pandas().set_index(["year", "municipality"])
    wage_ix_2021 = 1.02 * 1.10  # from 2019: 2020 by the default 2%, 2021 by the path's 10%
    price_ix_2021 = (1 + money.price_index_per_year) ** 2
    assert f.loc[(2021, "Almelo"), "dissolution_cost_eur"] == pytest.approx(0.75 * 1.2e6 * wage_ix_2021, abs=0.01)
    assert f.loc[(2021, "Tubbergen"), "dissolution_cost_eur"] == pytest.approx(0.25 * 1.2e6 * wage_ix_2021, abs=0.01)
    assert (f.loc[[2019, 2020], "dissolution_cost_eur"] == 0).all()
    sick_leave = 1.5 * money.added_value_eur_per_se["beschut_binnen"] * price_ix_2021
    assert f.loc[(2021, "Almelo"), "sick_leave_eur"] == pytest.approx(sick_leave, abs=0.01)
    assert f.loc[(2021, "Tubbergen"), "sick_leave_eur"] == 0
    # in 2019 Regio's result (16 SE-years) is allocated by the SE key: 12/16 and 4/16
    assert f.loc[(2019, "Almelo"), "commercial_result_eur"] == pytest.approx(12 * 2000.0, abs=0.01)
    assert f.loc[(2021, "Tubbergen"), "commercial_result_eur"] == pytest.approx(4 * 2000.0 * price_ix_2021, abs=0.01)
    assert f.loc[(2021, "Almelo"), "wage_cost_eur"] == pytest.approx(12 * money.wage_cost_eur_per_se * wage_ix_2021)
    balance = fin.to_pandas()[list(COST_COLUMNS)].sum(axis=1) - fin.to_pandas()[list(INCOME_COLUMNS)].sum(axis=1)
    assert np.abs(fin.to_pandas()["municipal_contribution_eur"] - balance).max() < 0.005


def test_other_target_groups_share_the_fixed_costs_by_persons_by_hand():
    """One year, 15 Wsw person-years in Almelo and 5 in Tubbergen, 30 persons of another group in Almelo."""
    group = {
        "name": "beschut werk",
        "municipality": "Almelo",
        "persons_start": 30,
        "revenue_eur_per_person_year": 9000,
        "cost_eur_per_person_year": 6000,
    }
    config = smoke({"horizon": {"end_year": 2019}, "organisations": {"other_groups": [group]}})
    alone = smoke({"horizon": {"end_year": 2019}})
    se_years = np.zeros((1, 2, 4))
    se_years[0, 0, 0], se_years[0, 1, 0] = 7.5, 2.5
    stock_persons = np.zeros((2, 2, 4))
    stock_persons[:, 0, 0], stock_persons[:, 1, 0] = 15, 5
    args = (se_years, se_years * 2, stock_persons, stock_persons * 0.5, "shared")
    history = OrganisationHistory(fte_history={"Regio": [(2019.0, 2.0)]}, created={})
    timeline = config.scenarios["shared"].timeline
    fin, orgs = finance_of_one(config, timeline, history, *args)
    fin0, _ = finance_of_one(alone, timeline, history, *args)
    f, f0 = fin.to_pandas().sum(numeric_only=True), fin0.to_pandas().sum(numeric_only=True)
    params = config.organisations.defaults
    fixed = params.fixed_overhead_eur_per_year + params.governance_eur_per_year
    share = 20.0 / 50.0  # Wsw person-years over all
    assert f["overhead_eur"] == pytest.approx(f0["overhead_eur"] - fixed * (1 - share), abs=0.02)
    assert f["coach_cost_eur"] == pytest.approx(f0["coach_cost_eur"] * share, abs=0.02)
    assert f["site_cost_eur"] == pytest.approx(f0["site_cost_eur"] * share, abs=0.02)
    o = orgs.to_pandas().iloc[0]
    assert o["other_persons"] == 30
    shared = (1 - share) * (fixed + 2.0 * config.money.coach_cost_eur_per_fte_year + f0["site_cost_eur"])
    assert o["other_groups_result_eur"] == pytest.approx(30 * 3000 - shared, abs=0.02)
    assert not o["viable_wsw"] and not o["viable_company"]  # 20 and 50 persons: below 100


# ------------------------------------------------------------- edge cases the mutation tester found unchecked


def test_replications_whose_organisations_went_different_ways_each_get_their_own_partitions() -> None:
    """Replication 3 kept Regio; replication 5 split in 2021 (the partitions its rules applied). The same
    people in both (10 SE-years in each municipality), so the same wage cost in every row; each replication's
    rows name its own organisations, in replication order."""
    config = smoke({"horizon": {"end_year": 2021}, "organisations": {"sites": []}})
    shared = tuple(config.scenarios["shared"].timeline)
    split = tuple(config.scenarios["per_municipality"].timeline)
    se_years = np.zeros((2, 3, 2, 4))
    se_years[..., 0] = 10.0
    stock_persons = np.zeros((2, 4, 2, 4))
    stock_persons[..., 0] = 20
    histories = [OrganisationHistory(fte_history={}, created={}, timeline=t) for t in (shared, split)]
    fin, orgs = finance_tables(
        config, list(shared), histories, se_years, se_years * 2, stock_persons, stock_persons * 0.5, "rules", [3, 5]
    )
    f = fin.to_pandas()
    assert list(zip(f.replication, f.year, f.organisation, f.municipality, strict=True)) == [
        (r, y, org, m)
        for r in (3, 5)
        for y in (2019, 2020, 2021)
        for org, m in (
            [("Almelo", "Almelo"), ("Tubbergen", "Tubbergen")]
            if (r, y) == (5, 2021)
            else [("Regio", "Almelo"), ("Regio", "Tubbergen")]
        )
    ]
    np.testing.assert_allclose(f.wage_cost_eur, 10 * 30000 * 1.02 ** (f.year - 2019), atol=0.005)
    o = orgs.to_pandas()
    assert list(zip(o.replication, o.year, o.organisation, strict=True)) == [
        (3, 2019, "Regio"), (3, 2020, "Regio"), (3, 2021, "Regio"),
        (5, 2019, "Regio"), (5, 2020, "Regio"), (5, 2021, "Almelo"), (5, 2021, "Tubbergen"),
    ]  # fmt: skip


def test_replications_with_the_same_partitions_apart_are_computed_together_and_each_as_alone() -> None:
    """Replications 4 and 9 kept Regio, 7 between them split in 2021: 4 and 9 are computed in one group (they are
    not adjacent), and every replication's rows, in replication order, are exactly what it gives alone."""
    config = smoke({"horizon": {"end_year": 2021}, "organisations": {"sites": []}})
    shared = tuple(config.scenarios["shared"].timeline)
    split = tuple(config.scenarios["per_municipality"].timeline)
    se_years = np.zeros((3, 3, 2, 4))
    se_years[..., 0] = 10.0
    se_years[1, ..., 0] = 7.0
    stock_persons = np.zeros((3, 4, 2, 4))
    stock_persons[..., 0] = 20
    timelines = (shared, split, shared)
    histories = [OrganisationHistory(fte_history={}, created={}, timeline=t) for t in timelines]
    reps = [4, 7, 9]
    fin, orgs = finance_tables(
        config, list(shared), histories, se_years, se_years * 2, stock_persons, stock_persons * 0.5, "rules", reps
    )
    assert fin["replication"].to_pylist() == sorted(fin["replication"].to_pylist())
    assert orgs["replication"].to_pylist() == sorted(orgs["replication"].to_pylist())
    for i, rep in enumerate(reps):
        one = slice(i, i + 1)
        alone_fin, alone_orgs = finance_tables(
            config,
            list(shared),
            [histories[i]],
            se_years[one],
            se_years[one] * 2,
            stock_persons[one],
            stock_persons[one] * 0.5,
            "rules",
            [rep],
        )
        assert alone_fin.equals(fin.filter(pa.compute.equal(fin["replication"], rep))), rep
        assert alone_orgs.equals(orgs.filter(pa.compute.equal(orgs["replication"], rep))), rep


def test_dissolution_costs_by_hand_in_the_first_year_twice_in_one_year_and_after_the_horizon() -> None:
    """No Wsw employee, no coaches, no sites: only organisations that ended. 2019, the first year: Regio
    (share 0.5) and Almelo (share 0.25) end for Almelo, both charged; 2021: Regio for Tubbergen (share 1);
    2022 is after the horizon and is not charged. 2020 has nothing: no row. Half a person of another group,
    alone in Regio, bears all of its fixed costs (overhead and governance) in the years with a row."""
    half = {"name": "beschut werk", "municipality": "Tubbergen", "persons_start": 0.5}
    config = smoke(
        {
            "horizon": {"end_year": 2021},
            "organisations": {
                "sites": [],
                "other_groups": [half],
                "overrides": {"Regio": {"dissolution_staff_eur": 100000}, "Almelo": {"dissolution_ict_eur": 40000}},
            },
        }
    )
    history = OrganisationHistory(
        fte_history={},
        created={},
        dissolved=(
            (2019.0, "Regio", 0, 0.5),
            (2019.0, "Almelo", 0, 0.25),
            (2021.0, "Regio", 1, 1.0),
            (2022.0, "Regio", 0, 1.0),
        ),
    )
    zeros = np.zeros((3, 2, 4))
    fin, orgs = finance_of_one(
        config,
        config.scenarios["shared"].timeline,
        history,
        zeros,
        zeros,
        np.zeros((4, 2, 4)),
        np.zeros((4, 2, 4)),
        "shared",
    )
    f = fin.to_pandas().set_index(["year", "municipality"])
    assert list(f.index) == [(2019, "Almelo"), (2019, "Tubbergen"), (2021, "Almelo"), (2021, "Tubbergen")]
    wage_ix_2021 = 1.02**2
    assert f["dissolution_cost_eur"].tolist() == pytest.approx([60000, 0, 0, 100000 * wage_ix_2021], abs=0.005)
    assert f["municipal_contribution_eur"].tolist() == f["dissolution_cost_eur"].tolist()
    o = orgs.to_pandas().set_index("year")
    assert o["other_persons"].tolist() == [0.5, 0.5]
    fixed = 600000 + 250000
    assert o["other_groups_result_eur"].tolist() == pytest.approx([-fixed, -fixed * wage_ix_2021], abs=0.005)


OTHER_GROUPS = [
    {"name": "beschut werk", "municipality": "Almelo", "persons_start": 0, "revenue_eur_per_person_year": 9000,
     "cost_eur_per_person_year": 6000, "persons_by_year": {"2020": 20, "2021": 5.5, "2022": 1 / 3}},
    {"name": "re-integratie", "municipality": "Almelo", "persons_start": 0, "revenue_eur_per_person_year": 2000,
     "cost_eur_per_person_year": 1000, "persons_by_year": {"2020": 10}},
]  # fmt: skip


@pytest.mark.filterwarnings("error")  # years without coaches are computed quietly: no numpy warning
def _viability_case(max_overhead: float) -> tuple[pa.Table, pa.Table]:
    """The finance and organisations tables of the case below, with the overhead threshold `max_overhead` EUR per SE."""
    config = smoke(
        {
            "horizon": {"end_year": 2023},
            "money": {**INDICES, "subsidy_index_by_year": {"2020": 0.05}},
            "organisations": {"sites": [], "other_groups": OTHER_GROUPS},
            "viability": {"min_persons": 20, "max_overhead_eur_per_se": max_overhead},
        }
    )
    person_years = np.zeros((5, 2, 4))
    person_years[:, 0, 0] = [20, 20, 20, 0.5, 0.5]
    se_years = np.zeros((5, 2, 4))
    se_years[:, 0, 0] = [10, 10, 4, 0.25, 0.25]
    stock_persons = np.zeros((6, 2, 4))
    stock_persons[:, 0, 0] = [20, 20, 10, 30, 20, 20]  # the year ends, from the end of 2018
    stock_se = stock_persons * 0.5
    stock_se[5, 0, 0] = 10 / 3
    history = OrganisationHistory(fte_history={"Regio": [(2023.0, 3 / 7)]}, created={})
    return finance_of_one(
        config, config.scenarios["shared"].timeline, history, se_years, person_years, stock_persons, stock_se, "shared"
    )


@pytest.mark.filterwarnings("error::RuntimeWarning")  # years without a coach: persons per coach is null, quietly
def test_viability_and_other_groups_by_hand_at_the_thresholds() -> None:
    """Regio (fixed 850,000 EUR: overhead and governance) with every Wsw employee in Almelo's beschut_binnen
    (6,000 EUR staff a person-year), two other groups in Almelo, viability at 20 persons and 97,000 EUR per SE.
    2019: exactly at both thresholds (viable); 2020: 30 other persons (a share of the fixed costs); 2021: the
    company above the overhead limit; 2022, 2023: less than one person-year. A coach only in 2023."""
    fin, orgs = _viability_case(97000)
    o = orgs.to_pandas().set_index("year")
    w = {y: 1.025 ** (y - 2019) for y in range(2019, 2024)}
    fixed, staff_per_py = 850000, 6000
    # 2019: overhead (850,000 + 20 x 6,000) / 10 SE = 97,000 per SE, 20 persons: just viable, both ways
    assert o.loc[2019, ["viable_wsw", "viable_company"]].tolist() == [True, True]
    # 2020: 20 Wsw and 30 other person-years: the Wsw part bears 0.4 of the fixed costs; 10 persons
    # (in EUR of the price year, as the threshold: the wage index is taken out again)
    assert o.loc[2020, "overhead_eur_per_se"] == pytest.approx((fixed * 0.4 + 20 * staff_per_py) / 10)
    assert o.loc[2020, "other_persons"] == 30
    other_result = (20 * 3000 + 10 * 1000) * 1.03 - 0.6 * fixed * w[2020]
    assert o.loc[2020, "other_groups_result_eur"] == pytest.approx(other_result, abs=0.005)
    assert o.loc[2020, ["viable_wsw", "viable_company"]].tolist() == [False, True]  # 10 persons; 40 with others
    # 2021: (850,000 + 120,000) over 4 SE + 5.5 others = 102,105 per SE of the price year: the company is not
    # viable (in nominal euros 107,274: a threshold compared with those would tighten every year)
    assert o.loc[2021, "other_persons"] == 5.5
    other_result = 5.5 * 3000 * 1.03**2 - 5.5 / 25.5 * fixed * w[2021]
    assert o.loc[2021, "other_groups_result_eur"] == pytest.approx(round(other_result, 2), abs=1e-6)
    assert o.loc[2021, ["viable_wsw", "viable_company"]].tolist() == [False, False]
    # 2022: 0.5 Wsw and 1/3 other person-years: the Wsw share is 0.6
    assert o.loc[2022, "other_persons"] == round(1 / 3, 6)
    overhead_2022 = fixed * 0.6 + 0.5 * staff_per_py  # EUR of the price year
    assert o.loc[2022, "overhead_eur_per_se"] == pytest.approx(round(overhead_2022 / 0.25, 2), abs=1e-6)
    # 2023: half a person-year bears all the fixed costs: far above the limit, though 20 persons at year end
    assert o.loc[2023, ["viable_wsw", "viable_company"]].tolist() == [False, False]
    assert o.loc[2023, "coaches_fte"] == round(3 / 7, 6) and o.loc[2023, "se"] == round(10 / 3, 6)
    assert o.loc[2023, "persons_per_coach"] == round(20 / (3 / 7), 6)
    assert orgs.column("persons_per_coach").null_count == 4  # no coach before 2023
    f = fin.to_pandas().set_index(["year", "municipality"])
    assert f.loc[(2020, "Almelo"), "subsidy_eur"] == pytest.approx(10 * 22700 * 1.05, abs=0.005)  # the path's 5%


def test_the_company_is_judged_in_euros_of_the_price_year() -> None:
    # 2021 (two years of wage index after the price year): 970,000 EUR over 9.5 SE is 102,105 per SE of the
    # price year and 107,274 nominal; a threshold of 105,000 between them is met, as the rules would judge it
    _, orgs = _viability_case(105000)
    assert orgs.to_pandas().set_index("year").loc[2021, "viable_company"]


def test_an_organisation_that_employs_then_serves_then_employs_again_by_hand() -> None:
    """Almelo employs only (buying from Tubbergen) in 2019 and 2022, is gone in 2020 (Regio) and serves its
    own people in 2021 (created then, with half a person-year) and 2023. Employing only, it is charged its
    employer overhead when it has anybody (0.5 person-years in 2019, nobody in 2022: no row); serving, it
    pays its own wages, overhead and setup."""
    config = smoke({"horizon": {"end_year": 2023}, "organisations": {"sites": []}})
    alone = {"Almelo": ["Almelo"], "Tubbergen": ["Tubbergen"]}
    buying = {"organisations": {"Tubbergen": ["Almelo", "Tubbergen"]}, "employers": {"Almelo": ["Almelo"]}}
    timeline = [
        Partition.model_validate({"start": date(2019, 1, 1), **buying}),
        Partition.model_validate({"start": date(2020, 1, 1), "organisations": {"Regio": ["Almelo", "Tubbergen"]}}),
        Partition.model_validate({"start": date(2021, 1, 1), "organisations": alone}),
        Partition.model_validate({"start": date(2022, 1, 1), **buying}),
        Partition.model_validate({"start": date(2023, 1, 1), "organisations": alone}),
    ]
    person_years = np.zeros((5, 2, 4))
    person_years[:, 0, 0] = [0.5, 10, 0.5, 0, 10]  # Almelo
    person_years[:, 1, 0] = 10  # Tubbergen
    stock_persons = np.zeros((6, 2, 4))
    stock_persons[:, :, 0] = 10
    history = OrganisationHistory(fte_history={}, created={"Almelo": [2021.0]})
    fin, _ = finance_of_one(
        config, timeline, history, person_years / 2, person_years, stock_persons, stock_persons * 0.5, "buying"
    )
    f = fin.to_pandas()
    almelo = f[f.organisation == "Almelo"].set_index("year")
    assert list(almelo.index) == [2019, 2021, 2023] and set(almelo.municipality) == {"Almelo"}
    w = {y: 1.02 ** (y - 2019) for y in range(2019, 2024)}
    assert almelo.loc[2019, "overhead_eur"] == pytest.approx(100000, abs=0.005)
    assert almelo.loc[2019, "wage_cost_eur"] == 0
    assert almelo.loc[2021, "wage_cost_eur"] == pytest.approx(0.25 * 30000 * w[2021], abs=0.005)
    assert almelo.loc[2021, "overhead_eur"] == pytest.approx((600000 + 0.5 * 6000) * w[2021], abs=0.005)
    assert almelo.loc[2021, "transition_cost_eur"] == pytest.approx(400000 * w[2021], abs=0.005)
    assert almelo.loc[2023, "wage_cost_eur"] == pytest.approx(5 * 30000 * w[2023], abs=0.005)
    assert almelo.loc[2023, "overhead_eur"] == pytest.approx((600000 + 10 * 6000) * w[2023], abs=0.005)
