"""The report for councils: one self-contained HTML file per run, in Dutch or English.

Order: key findings in plain words, each with its uncertainty; tables; charts (PNG embedded as `data:` URIs,
so the file needs nothing else); the assumptions (every parameter of the config, with its range and note);
the run's provenance. Whatever the run lacks (no finance or organisations tables yet, one scenario only) is
said in the report instead of failing.

When the manifest holds `population_sha256` the run started from a real personnel file: counts below 5 are
then shown as "<5" and left out of the charts.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from analysis import charts
from analysis.compare import Period, paired_differences, period_totals
from analysis.load import RunError, has_table, load, manifest
from analysis.load import config as run_config
from analysis.summary import TOTAL, Thresholds, summarise, viability, with_total
from analysis.translations import LANGUAGES, Lang, euros, number, percent, thousands, translate
from sim.runs.store import atomic_write_text

PERIOD_YEARS = 10
"""The findings add money up over this many years from the first reorganisation (or the start)."""

DEFAULT_DISCOUNT_RATE = 0.03
"""Nominal discount rate for the net present value table (assumption; `--discount-rate` changes it)."""


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]
    textual: bool = False  # words rather than figures: everything aligned left


@dataclass
class Finding:
    text: str
    details: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ParameterRow:
    path: str
    value: str
    range: str
    dist: str
    note: str
    assumption: bool


# ------------------------------------------------------------------------------------- helpers


def _config(man: Mapping[str, Any]) -> dict[str, Any]:
    text = man.get("config_toml")
    if not isinstance(text, str):
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


def _scalar(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(_scalar(v) for v in value)
    return str(value)


def parameter_rows(config: Mapping[str, Any]) -> list[ParameterRow]:
    """Every leaf of the config as a row; `{ value, low, high, dist, note, source }` tables as one row."""
    rows: list[ParameterRow] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict) and "value" in node and not isinstance(node["value"], dict | list):
            low, high = node.get("low"), node.get("high")
            note = " ".join(str(node[k]) for k in ("note", "source") if node.get(k))
            rows.append(
                ParameterRow(
                    path=path,
                    value=_scalar(node["value"]),
                    range=f"{_scalar(low)} – {_scalar(high)}" if low is not None and high is not None else "",
                    dist=str(node.get("dist", "")),
                    note=note,
                    assumption="assumption" in note.lower(),
                )
            )
        elif isinstance(node, dict) and len(node) > 6 and not any(isinstance(v, dict | list) for v in node.values()):
            # a long table of plain numbers (the AOW ages by year): one row, not one per key
            rows.append(
                ParameterRow(path, ", ".join(f"{k} = {_scalar(v)}" for k, v in node.items()), "", "", "", False)
            )
        elif isinstance(node, dict):
            for key, child in node.items():
                walk(child, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list) and any(isinstance(v, dict | list) for v in node):
            for i, child in enumerate(node):
                walk(child, f"{path}[{i}]")
        else:
            text = _scalar(node)
            rows.append(ParameterRow(path, text, "", "", "", "assumption" in text.lower() and path.endswith("note")))

    walk(config, "")
    return rows


def _scenario_text(scenario: Any, fmt: Formatter) -> tuple[str, str]:
    """A scenario's description and its timeline in words: 'from 2021-01-01: A = Almelo; B = ...'."""
    if not isinstance(scenario, dict):
        return "", ""
    parts = []
    for step in scenario.get("timeline", []):
        if not isinstance(step, dict):
            continue
        orgs = step.get("organisations", {})
        layout = "; ".join(f"{org} = {_scalar(members)}" for org, members in orgs.items())
        parts.append(f"{fmt.t('timeline_from', start=_scalar(step.get('start', '')))}: {layout}")
    return str(scenario.get("description", "")), " · ".join(parts)


def _reorganisation_year(organisations: pd.DataFrame, baseline: str) -> int | None:
    """The first year in which some scenario's organisations differ from the baseline's (replication 0)."""
    if organisations.empty:
        return None
    first = organisations[organisations["replication"] == organisations["replication"].min()]
    layout = first.groupby(["scenario", "year"])["members"].apply(lambda s: tuple(sorted(s)))
    if baseline not in layout.index.get_level_values(0):
        return None
    base = layout.loc[baseline]
    years: list[int] = []
    for scenario in layout.index.get_level_values(0).unique():
        if scenario == baseline:
            continue
        other = layout.loc[scenario]
        differing = [int(y) for y in other.index if y in base.index and other.loc[y] != base.loc[y]]
        if differing:
            years.append(min(differing))
    return min(years) if years else None


@dataclass
class Formatter:
    """Numbers in the report's language, with small counts suppressed when the population is real."""

    lang: Lang
    suppress: bool

    def t(self, key: str, **kwargs: Any) -> str:
        text = translate(key, self.lang)
        return text.format(**kwargs) if kwargs else text

    def count(self, x: float) -> str:
        if self.suppress and not math.isnan(x) and x < charts.SMALL_COUNT:
            return "<5"
        return number(x, self.lang)

    def count_words(self, x: float) -> str:
        if self.suppress and not math.isnan(x) and x < charts.SMALL_COUNT:
            return self.t("fewer_than_5")
        return number(x, self.lang)

    def eur(self, x: float) -> str:
        return euros(x, self.lang)

    def keur(self, x: float) -> str:
        return thousands(x, self.lang)

    def name(self, label: str) -> str:
        return self.t("total") if label == TOTAL else label


# ------------------------------------------------------------------------------------- sections


def _workforce(stocks: pd.DataFrame, baseline: str, period: Period, fmt: Formatter) -> tuple[Finding, Table] | None:
    data = stocks[stocks["scenario"] == baseline]
    if data.empty:
        return None
    summary = summarise(with_total(data, "municipality"), ["year", "municipality"], ["persons"])
    first, last = int(summary["year"].min()), int(summary["year"].max())
    years = sorted({first, period.from_year, period.to_year, *range(period.to_year + 10, last + 1, 10), last})
    years = [y for y in years if first <= y <= last]
    total: dict[Any, dict[Any, Any]] = summary[summary["municipality"] == TOTAL].set_index("year").to_dict("index")
    end_year = min(max(period.to_year, first), last)
    at_end = total[end_year]
    finding = Finding(
        fmt.t(
            "finding_workforce",
            start=fmt.count_words(float(total[first]["p50"])),
            first_year=first + 1,
            median=fmt.count_words(float(at_end["p50"])),
            year=end_year,
            p5=fmt.count_words(float(at_end["p5"])),
            p95=fmt.count_words(float(at_end["p95"])),
        )
    )
    rows = []
    for muni in [*dict.fromkeys(data["municipality"]), TOTAL]:
        cells = summary[summary["municipality"] == muni].set_index("year")
        rows.append(
            [fmt.name(muni)]
            + [
                f"{fmt.count(cells.loc[y, 'p50'])} ({fmt.count(cells.loc[y, 'p5'])}–{fmt.count(cells.loc[y, 'p95'])})"
                for y in years
            ]
        )
    table = Table(fmt.t("table_workforce", scenario=baseline), [fmt.t("col_municipality"), *map(str, years)], rows)
    return finding, table


def _cost_finding(row: pd.Series, alternative: str, baseline: str, period: Period, fmt: Formatter) -> str:
    who = fmt.t("the_region") if row["municipality"] == TOTAL else row["municipality"]
    common = {
        "alternative": alternative,
        "baseline": baseline,
        "who": who,
        "period": period.label(),
        "n": int(row["n"]),
        "cheaper": round(row["p_alternative_cheaper"] * row["n"]),
    }
    if row["p5"] > 0:
        key, low, high, mean, ci = "finding_cost_more", row["p5"], row["p95"], row["mean_difference"], (1, 1)
    elif row["p95"] < 0:
        key, low, high, mean, ci = "finding_cost_less", -row["p95"], -row["p5"], -row["mean_difference"], (-1, -1)
    else:
        key, low, high, mean, ci = "finding_cost_mixed", -row["p5"], row["p95"], row["mean_difference"], (1, 1)
    ci_low, ci_high = sorted((ci[0] * row["ci_low"], ci[1] * row["ci_high"]))
    return fmt.t(
        key,
        low=fmt.eur(low),
        high=fmt.eur(high),
        mean=fmt.eur(mean),
        ci_low=fmt.eur(ci_low),
        ci_high=fmt.eur(ci_high),
        **common,
    )


def _difference_table(diff: pd.DataFrame, caption: str, fmt: Formatter) -> Table:
    header = [fmt.t(k) for k in ("col_municipality", "col_mean_difference", "col_ci", "col_range", "col_cheaper")]
    header.append(fmt.t("col_n"))
    rows = [
        [
            fmt.name(r["municipality"]),
            fmt.keur(r["mean_difference"]),
            f"{fmt.keur(r['ci_low'])} … {fmt.keur(r['ci_high'])}",
            f"{fmt.keur(r['p5'])} … {fmt.keur(r['p95'])}",
            percent(r["p_alternative_cheaper"], fmt.lang, 0),
            str(int(r["n"])),
        ]
        for _, r in diff.iterrows()
    ]
    return Table(caption, header, rows)


def _contribution_table(finance: pd.DataFrame, scenarios: Sequence[str], period: Period, fmt: Formatter) -> Table:
    totals = period_totals(with_total(finance, "municipality"), period)
    header = [fmt.t("col_municipality"), *scenarios]
    rows = []
    for muni in dict.fromkeys(totals["municipality"]):
        row = [fmt.name(muni)]
        for scenario in scenarios:
            values = totals[(totals["municipality"] == muni) & (totals["scenario"] == scenario)]["total"]
            if values.empty:
                row.append("–")
                continue
            q5, q95 = values.quantile([0.05, 0.95])
            row.append(f"{fmt.keur(values.mean())} ({fmt.keur(q5)} … {fmt.keur(q95)})")
        rows.append(row)
    order = [r for r in rows if r[0] != fmt.name(TOTAL)] + [r for r in rows if r[0] == fmt.name(TOTAL)]
    return Table(fmt.t("table_contribution", period=period.label()), header, order)


def _placements(flows: pd.DataFrame) -> pd.DataFrame:
    started = [c for c in flows.columns if c.startswith("placements_started_")]
    return flows.assign(placements=flows[started].sum(axis=1).astype(float))


def _viability_section(
    organisations: pd.DataFrame, thresholds: Thresholds, last_year: int, fmt: Formatter
) -> tuple[list[Finding], Table]:
    table = viability(organisations, thresholds)
    findings: list[Finding] = []
    rows = []
    for _, r in table.iterrows():
        never = fmt.t("never", year=last_year + 1)

        def year(x: float, never: str = never) -> str:
            return never if math.isnan(x) else str(int(x))

        if r["failing"] > 0:
            key = "finding_viability" if not math.isnan(r["p50"]) else "finding_viability_rare"
            findings.append(
                Finding(
                    fmt.t(
                        key,
                        organisation=r["organisation"],
                        scenario=r["scenario"],
                        failing=int(r["failing"]),
                        n=int(r["replications"]),
                        p50=year(r["p50"]),
                        p5=year(r["p5"]),
                    )
                )
            )
        rows.append(
            [
                r["scenario"],
                r["organisation"],
                f"{r['first_year_exists']}–{r['last_year_exists']}",
                f"{int(r['failing'])} / {int(r['replications'])}",
                never if math.isnan(r["p5"]) else f"{year(r['p50'])} ({year(r['p5'])} – {year(r['p95'])})",
                fmt.t(f"reason_{r['reason']}") if r["reason"] else "",
            ]
        )
    if not findings:
        findings.append(Finding(fmt.t("finding_viability_none", year=last_year)))
    header = [fmt.t(k) for k in ("col_scenario", "col_organisation", "col_exists", "col_failing", "col_first_year")]
    header.append(fmt.t("col_reason"))
    return findings, Table(fmt.t("table_viability"), header, rows, textual=True)


def _charts(
    stocks: pd.DataFrame,
    finance: pd.DataFrame,
    organisations: pd.DataFrame,
    flows: pd.DataFrame,
    scenarios: list[str],
    baseline: str,
    thresholds: Thresholds,
    fmt: Formatter,
    notes: list[str],
) -> list[charts.Chart]:
    """Every chart the run's tables allow, in reading order; a note when waiting times are absent."""
    tr = fmt.t
    alternatives = [s for s in scenarios if s != baseline]
    maybe: list[charts.Chart | None] = []
    if len(stocks):
        maybe += [charts.workforce_fan(stocks, baseline, value, tr, fmt.suppress) for value in ("persons", "se")]
    if len(finance):
        maybe.append(charts.contribution_by_scenario(finance, scenarios, tr))
        maybe += [charts.difference_fan(finance, baseline, alt, tr) for alt in alternatives]
    if len(organisations):
        maybe.append(charts.caseload(organisations, scenarios, tr))
    if len(flows):
        waiting = charts.waiting_time(flows, scenarios, tr)
        if waiting is None:
            notes.append(fmt.t("missing_waits"))
        maybe.append(waiting)
    if len(organisations):
        maybe.append(charts.overhead_per_se(organisations, scenarios, thresholds.max_overhead_eur_per_se, tr))
    return [c for c in maybe if c is not None]


# ------------------------------------------------------------------------------------- the report


def build_context(
    run_dir: str | Path,
    lang: Lang = "nl",
    baseline: str | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
    with_charts: bool = True,
) -> dict[str, Any]:
    """Everything the template shows, computed from the run (raises `RunError` for a bad run or scenario)."""
    if lang not in LANGUAGES:
        raise RunError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    man = manifest(run_dir)
    config = _config(man)
    fmt = Formatter(lang, suppress=bool(man.get("population_sha256")))
    present = {t: has_table(run_dir, t) for t in ("stocks", "flows", "finance", "organisations")}
    stocks = load(run_dir, "stocks")
    flows = load(run_dir, "flows")
    finance = load(run_dir, "finance")
    organisations = load(run_dir, "organisations")

    seen = [s for f in (stocks, finance, organisations, flows) for s in f["scenario"].unique()]
    listed: list[Any] = man["scenarios"] if isinstance(man.get("scenarios"), list) else []
    scenarios = [str(s) for s in dict.fromkeys([*listed, *seen]) if s in set(seen)] or [str(s) for s in listed]
    if not scenarios:
        raise RunError(f"{run_dir}: the run holds no results yet")
    baseline = baseline or scenarios[0]
    if baseline not in scenarios:
        raise RunError(f"{run_dir}: unknown scenario {baseline!r}; the run has: {', '.join(scenarios)}")
    alternatives = [s for s in scenarios if s != baseline]

    # flows and finance cover calendar years; stocks also hold the start (the year before the first)
    yearly = pd.concat([finance["year"], flows["year"]]).astype(int)
    if yearly.empty:
        yearly = stocks["year"].astype(int) + 1
    first_year, last_year = int(yearly.min()), int(yearly.max())
    start = from_year if from_year is not None else (_reorganisation_year(organisations, baseline) or first_year)
    end = to_year if to_year is not None else min(start + PERIOD_YEARS - 1, last_year)
    if start > end:
        raise RunError(f"the period {start}-{end} is empty")
    period = Period(start, end)
    npv_period = Period(start, end, discount_rate, start)

    findings: list[Finding] = []
    tables: list[Table] = []
    chart_list: list[charts.Chart] = []
    notes: list[str] = []

    for table_name, present_ in present.items():
        if not present_:
            notes.append(fmt.t("missing_table", table=table_name, what=fmt.t(f"missing_{table_name}")))
    if not alternatives:
        notes.append(fmt.t("single_scenario"))

    workforce = _workforce(stocks, baseline, period, fmt) if len(stocks) else None
    if workforce is not None:
        findings.append(workforce[0])
        tables.append(workforce[1])

    if len(finance):
        tables.append(_contribution_table(finance, scenarios, period, fmt))
        for alternative in alternatives:
            diff = paired_differences(finance, baseline, alternative, period)
            if diff.empty:
                continue
            rows = {r["municipality"]: r for _, r in diff.iterrows()}
            finding = Finding(_cost_finding(rows[TOTAL], alternative, baseline, period, fmt))
            finding.details = [
                _cost_finding(r, alternative, baseline, period, fmt) for m, r in rows.items() if m != TOTAL
            ]
            findings.append(finding)
            caption = fmt.t("table_difference", alternative=alternative, baseline=baseline, period=period.label())
            tables.append(_difference_table(diff, caption, fmt))
            npv = paired_differences(finance, baseline, alternative, npv_period)
            rate = percent(discount_rate, lang, 1)
            tables.append(_difference_table(npv, fmt.t("table_npv", base_year=npv_period.base, rate=rate), fmt))

    if len(flows) and alternatives:
        placed = _placements(flows)
        for alternative in alternatives:
            diff = paired_differences(placed, baseline, alternative, period, value="placements")
            region = diff[diff["municipality"] == TOTAL]
            if region.empty:
                continue
            r = region.iloc[0]
            findings.append(
                Finding(
                    fmt.t(
                        "finding_placements_more" if r["mean_difference"] >= 0 else "finding_placements_fewer",
                        period=period.label(),
                        alternative=alternative,
                        baseline=baseline,
                        mean=number(abs(r["mean_difference"]), lang, 1),
                        p5=number(r["p5"], lang, 0),
                        p95=number(r["p95"], lang, 0),
                    )
                )
            )

    thresholds = Thresholds.of(run_config(run_dir))
    rule = fmt.t(
        "viability_rule",
        min_persons=number(thresholds.min_persons, lang),
        max_overhead=euros(thresholds.max_overhead_eur_per_se, lang),
    )
    viability_notes = [
        rule[:1].upper() + rule[1:],
        fmt.t("thresholds_from_config" if thresholds.from_config else "thresholds_default"),
    ]
    if len(organisations):
        viability_findings, viability_table = _viability_section(organisations, thresholds, last_year, fmt)
        findings.append(Finding(fmt.t("finding_viability_head", rule=rule), [f.text for f in viability_findings]))
        tables.append(viability_table)

    if with_charts:
        chart_list = _charts(stocks, finance, organisations, flows, scenarios, baseline, thresholds, fmt, notes)

    scenario_text = config.get("scenarios", {}) if isinstance(config.get("scenarios"), dict) else {}
    version = str(man.get("package_version", fmt.t("unknown")))
    provenance = [
        (fmt.t("prov_run_id"), str(man.get("run_id", Path(run_dir).name))),
        (fmt.t("prov_created"), str(man.get("created", fmt.t("unknown")))),
        (fmt.t("prov_status"), str(man.get("status", fmt.t("unknown")))),
        (fmt.t("prov_config"), str(man.get("config_path", fmt.t("unknown")))),
        (fmt.t("prov_seed"), str(man.get("root_seed", fmt.t("unknown")))),
        (fmt.t("prov_replications"), str(man.get("replications", fmt.t("unknown")))),
        (fmt.t("prov_scenarios"), ", ".join(scenarios)),
        (fmt.t("prov_version"), version),
        (fmt.t("prov_commit"), str(man.get("git_commit", fmt.t("unknown")))),
        (fmt.t("prov_population"), str(man.get("population_sha256") or fmt.t("prov_synthetic"))),
    ]
    n_reps = int(stocks["replication"].nunique()) if len(stocks) else int(man.get("replications", 0) or 0)
    return {
        "lang": lang,
        "t": fmt.t,
        "title": fmt.t("title"),
        "subtitle": fmt.t(
            "subtitle",
            run_id=man.get("run_id", Path(run_dir).name),
            config=config.get("name", man.get("config_path", "?")),
            replications=n_reps,
            created=man.get("created", fmt.t("unknown")),
        ),
        "baseline_line": fmt.t("baseline_is", baseline=baseline),
        "how_to_read": fmt.t("how_to_read", n=n_reps, period=period.label()),
        "findings": findings,
        "notes": notes,
        "suppress": fmt.suppress,
        "tables": tables,
        "charts": chart_list,
        "viability_notes": viability_notes,
        "scenarios": [(s, *_scenario_text(scenario_text.get(s, {}), fmt)) for s in scenarios],
        "parameters": parameter_rows({k: v for k, v in config.items() if k != "scenarios"}),
        "provenance": provenance,
        "config_toml": man.get("config_toml", ""),
        "version": version,
    }


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("analysis", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(
    run_dir: str | Path,
    lang: Lang = "nl",
    baseline: str | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
    with_charts: bool = True,
) -> str:
    """The report as one HTML string (`with_charts=False`: text and tables only, much faster)."""
    context = build_context(run_dir, lang, baseline, from_year, to_year, discount_rate, with_charts)
    return _environment().get_template("report.html").render(**context)


def write_report(
    run_dir: str | Path,
    out: str | Path,
    lang: Lang = "nl",
    baseline: str | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
    with_charts: bool = True,
) -> Path:
    """Render and write the report atomically (a temporary file in the target folder, then a rename)."""
    out = Path(out)
    if not out.parent.is_dir():
        raise RunError(f"{out}: the folder {out.parent} does not exist")
    html = render(run_dir, lang, baseline, from_year, to_year, discount_rate, with_charts)
    atomic_write_text(html, out)  # temporary file, fsync, rename: never a half-written report
    return out
