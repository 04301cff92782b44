"""Everything the report template shows, computed from a run folder, and the HTML written from it.

Order of the report: the decision page (`<section id="decision">`), a page per municipality, the region's
tables and charts, the assumptions, the provenance. The one definition of cost (`analysis.compare.
CostDefinition`, from the config's `[analysis]` table) governs every amount. Whatever the run lacks (no
finance or organisations tables, one scenario only) is said in the report instead of failing.

When the manifest holds `population_sha256` the run started from a real personnel file: counts below 5 are
then shown as "<5" and left out of the charts.

With `exploration` (a run folder of `wsw-sim explore`), the decision page gains the band from the parameters and
each municipality's page (and the region) what decides (`analysis.report.decides`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from analysis.compare import analysis_table, cost_definition
from analysis.load import RunError, has_table, load, manifest
from analysis.load import config as run_config
from analysis.report import decides, municipality, sections
from analysis.report.assumptions import config_of, parameter_rows, provenance, scenario_text
from analysis.report.decision import build_decision
from analysis.report.format import Formatter, chart_table
from analysis.summary import TOTAL, Thresholds
from analysis.translations import LANGUAGES, Lang, number
from sim.runs.schema import TABLES
from sim.runs.store import atomic_write_text


def _scenarios(man: dict[str, Any], frames: list[pd.DataFrame]) -> list[str]:
    seen = [s for f in frames for s in f["scenario"].unique()]
    listed: list[Any] = man["scenarios"] if isinstance(man.get("scenarios"), list) else []
    return [str(s) for s in dict.fromkeys([*listed, *seen]) if s in set(seen)] or [str(s) for s in listed]


def _optional_table(run_dir: str | Path, table: str) -> bool:
    """Whether the run holds a table that only some runs have (`ages`, `experiments`)."""
    return table in TABLES and has_table(run_dir, table)


def build_context(
    run_dir: str | Path,
    lang: Lang = "nl",
    baseline: str | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
    discount_rate: float | None = None,
    with_charts: bool = True,
    exploration: str | Path | None = None,
) -> dict[str, Any]:
    """Everything the template shows (raises `RunError` for a bad run, scenario or period).

    `baseline`, `from_year`, `to_year` and `discount_rate` override the run's `[analysis]` table; `exploration`
    is the run folder of an exploration of the same config.
    """
    if lang not in LANGUAGES:
        raise RunError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    man = manifest(run_dir)
    if man.get("design"):
        raise RunError(
            f"{run_dir}: an exploration has no report of its own; report a batch of the same config with "
            f"--exploration {run_dir}"
        )
    config = config_of(man)
    fmt = Formatter(lang, suppress=bool(man.get("population_sha256")))
    present = {t: has_table(run_dir, t) for t in ("stocks", "flows", "finance", "organisations")}
    stocks, flows, finance, organisations = (load(run_dir, t) for t in present)
    scenarios = _scenarios(man, [stocks, finance, organisations, flows])
    if not scenarios:
        raise RunError(f"{run_dir}: the run holds no results yet")
    # flows and finance cover calendar years; stocks also hold the start (the year before the first)
    yearly = pd.concat([finance["year"], flows["year"]]).astype(int)
    if yearly.empty:
        yearly = stocks["year"].astype(int) + 1
    first_year, last_year = int(yearly.min()), int(yearly.max())
    where = Path(run_dir) / "manifest.json"
    definition = cost_definition(
        run_dir, scenarios, (first_year, last_year), baseline, from_year, to_year, discount_rate, where=where
    )
    baseline, period = definition.baseline, definition.period
    min_persons = float(analysis_table(run_dir)[0].chart_min_persons)
    municipalities = list(dict.fromkeys([*stocks["municipality"], *finance["municipality"], *flows["municipality"]]))

    alternatives = [s for s in scenarios if s != baseline]
    explored = None
    if exploration is not None:
        explored = decides.attach(exploration, definition, municipalities, alternatives, lang)
    notes = [fmt.t("missing_table", table=t, what=fmt.t(f"missing_{t}")) for t, here in present.items() if not here]
    if len(scenarios) == 1:
        notes.append(fmt.t("single_scenario"))
    if explored is not None and not decides.same_config(run_dir, explored.run.run_dir):
        notes.append(fmt.t("note_other_config", run_id=explored.run_id))
    thresholds = Thresholds.of(run_config(run_dir))
    drawn = load(run_dir, "parameters", columns=["parameter"])["parameter"].nunique()
    decision = build_decision(
        finance,
        flows,
        organisations,
        scenarios,
        municipalities,
        definition,
        thresholds,
        last_year,
        int(drawn),
        _optional_table(run_dir, "experiments"),
        fmt,
        explored,
    )
    pages = municipality.pages(
        stocks,
        finance,
        organisations,
        municipalities,
        scenarios,
        definition,
        thresholds,
        last_year,
        min_persons,
        load(run_dir, "ages") if _optional_table(run_dir, "ages") else None,
        fmt,
        with_charts,
    )
    region_decides: list[decides.Decides] = []
    region_breakeven = None
    if explored is not None:
        for page in pages:
            page.decides = decides.sections(explored, page.name, fmt, with_charts)
            page.breakeven = decides.breakeven_table(explored, page.name, fmt)
        region_decides = decides.sections(explored, TOTAL, fmt, with_charts)
        region_breakeven = decides.breakeven_table(explored, TOTAL, fmt)
    tables = []
    workforce = sections.workforce_table(stocks, baseline, period, fmt) if len(stocks) else None
    if workforce is not None:
        tables.append(workforce)
    if len(finance):
        tables += sections.money_tables(finance, scenarios, baseline, period, fmt)
    if len(organisations):
        tables.append(sections.viability_table(organisations, thresholds, last_year, fmt))
    chart_list = []
    if with_charts:
        made = sections.region_charts(
            stocks, finance, organisations, flows, scenarios, baseline, thresholds, period, min_persons, fmt, notes
        )
        chart_list = [chart_table(c, fmt) for c in made]

    rule = fmt.t(
        "viability_rule",
        min_persons=number(thresholds.min_persons, lang),
        max_overhead=fmt.eur(thresholds.max_overhead_eur_per_se),
    )
    viability_notes = [
        rule[:1].upper() + rule[1:],
        fmt.t("thresholds_from_config" if thresholds.from_config else "thresholds_default"),
    ]
    scenario_config = config.get("scenarios", {}) if isinstance(config.get("scenarios"), dict) else {}
    version = str(man.get("package_version", fmt.t("unknown")))
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
        "decision": decision,
        "pages": pages,
        "how_to_read": fmt.t("how_to_read", n=n_reps, period=period.label()),
        "notes": notes,
        "suppress": fmt.suppress,
        "tables": tables,
        "charts": chart_list,
        "chart_ends": fmt.t("chart_ends", min_persons=f"{min_persons:g}"),
        "viability_notes": viability_notes,
        "scenarios": [(s, *scenario_text(scenario_config.get(s, {}), fmt)) for s in scenarios],
        "parameters": parameter_rows({k: v for k, v in config.items() if k != "scenarios"}),
        "region_decides": region_decides,
        "region_breakeven": region_breakeven,
        "provenance": provenance(man, Path(run_dir).name, scenarios, fmt)
        + (decides.provenance(explored, fmt) if explored is not None else []),
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
    discount_rate: float | None = None,
    with_charts: bool = True,
    exploration: str | Path | None = None,
) -> str:
    """The report as one HTML string (`with_charts=False`: text and tables only, much faster)."""
    context = build_context(run_dir, lang, baseline, from_year, to_year, discount_rate, with_charts, exploration)
    return _environment().get_template("report.html").render(**context)


def write_report(
    run_dir: str | Path,
    out: str | Path,
    lang: Lang = "nl",
    baseline: str | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
    discount_rate: float | None = None,
    with_charts: bool = True,
    exploration: str | Path | None = None,
) -> Path:
    """Render and write the report atomically; a `.pdf` name prints it to A4 with a headless Chromium."""
    out = Path(out)
    if not out.parent.is_dir():
        raise RunError(f"{out}: the folder {out.parent} does not exist")
    if out.suffix.lower() == ".pdf":
        from analysis.report.pdf import find_chromium, print_pdf

        chromium = find_chromium()  # before rendering: without a browser, say so at once
        html = render(run_dir, lang, baseline, from_year, to_year, discount_rate, with_charts, exploration)
        return print_pdf(html, out, chromium)
    html = render(run_dir, lang, baseline, from_year, to_year, discount_rate, with_charts, exploration)
    atomic_write_text(html, out)  # temporary file, fsync, rename: never a half-written report
    return out
