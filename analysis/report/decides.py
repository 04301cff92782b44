"""What decides: an exploration (`wsw-sim explore`) shown in a batch's report (`report RUN --exploration DIR`).

The batch says how the alternatives compare by chance alone (its replications); the exploration says how much
that comparison moves with the assumptions themselves. From its `outcomes`, per design point, the mean paired
difference of the discounted contribution (alternative - baseline, the report's one definition of cost) over the
point's replications; then:

- the decision page's "band from the parameters": the 5th to 95th percentile of those point means per
  municipality and region, and the share of the points at which the alternative is cheaper;
- per municipality, "what decides": the design's sensitivity indices of that difference (Morris mu* or Sobol
  ST, `analysis.exploration.indices`, or the `sensitivity` table `wsw-sim sensitivity` kept) ranked, as a chart
  with its numbers, and PRIM's box where the alternative is cheaper, in plain words;
- the break-even values `wsw-sim breakeven --out DIR` kept in the exploration's folder (`DIR/breakeven/*.json`).

The exploration must use the report's definition of cost (baseline, horizon, discount rate) and know its
municipalities; anything else is bad input (`RunError`).
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from analysis import charts
from analysis.compare import CostDefinition
from analysis.exploration import Exploration, boxes, exploration, indices, point_means
from analysis.load import RunError, has_table, load
from analysis.parameter_names import DUTCH
from analysis.report.format import Cell, Formatter, Num, ShownChart, Table, exact
from sim.inputs.config import Config
from sim.inputs.config.organisations import OrganisationParams
from sim.inputs.paths import get_at, path_parts
from sim.runs import folder
from sim.runs.outcomes import cost_definition

OUTCOME = "contribution_npv_diff_eur"
TOP = 8
"""Parameters shown per municipality (chart and table), most influential first."""
LEAD = {"morris": ("mu_star", "sigma"), "sobol": ("ST", "S1")}
"""The index that ranks and the index shown beside it, per design."""


@dataclass
class Explored:
    """An exploration as the report needs it: per alternative it holds, the point means (rows: design points,
    columns: municipalities and total), the indices and PRIM's boxes in words; readable parameter labels."""

    run: Exploration
    run_id: str
    reps_per_point: int
    means: dict[str, pd.DataFrame]
    indices: dict[str, pd.DataFrame | None]
    boxes: dict[str, dict[str, str]]
    labels: dict[str, str]
    breakevens: list[dict[str, Any]] = field(default_factory=list)


def label(config: Config, path: str, lang: str = "en") -> str:
    """A parameter's readable name: the description of its field in the typed config, up to the first ';' or
    '(' and capitalised (in Dutch: `analysis.parameter_names.DUTCH`), with the organisation, group or age band
    it belongs to; the config path where the field has no description."""
    parts = path_parts(path)
    name, qualifier = parts[-1], ""
    model: type[BaseModel] | None = None
    if parts[:2] == ["organisations", "overrides"] and len(parts) == 4:
        model, qualifier = OrganisationParams, str(parts[2])  # an override's fields are the defaults' fields
    else:
        try:
            node: Any = config
            for part in parts[:-1]:
                node = get_at(node, part)
        except (KeyError, IndexError, ValueError, AttributeError):
            return path
        if isinstance(node, BaseModel):
            model = type(node)
            qualifier = ", ".join(str(getattr(node, k)) for k in ("name", "municipality") if getattr(node, k, ""))
            if not qualifier and hasattr(node, "from_age"):
                qualifier = f"{node.from_age:g}+"
    if model is None or not isinstance(name, str) or name not in model.model_fields:
        return path
    text = (model.model_fields[name].description or "").split(";")[0].split(" (")[0].strip()
    if not text:
        return path
    if lang == "nl":
        text = DUTCH.get(name, text)
    return text[:1].upper() + text[1:] + (f" ({qualifier})" if qualifier else "")


def _check_same_cost(explore_dir: Path, config: Config, definition: CostDefinition) -> None:
    """The exploration's outcomes must be costs as the report counts them: same baseline, years and discounting."""
    theirs = cost_definition(config)
    period = definition.period
    ours = (definition.baseline, period.from_year, period.to_year, period.discount_rate, period.base)
    if (theirs.baseline, theirs.first_year, theirs.last_year, theirs.discount_rate, theirs.first_year) == ours:
        return

    def said(baseline: str, first: int, last: int, rate: float, base: int) -> str:
        return f"baseline {baseline}, {first}-{last}, discounted at {rate:.2%} to {base}"

    exploration_said = said(
        theirs.baseline, theirs.first_year, theirs.last_year, theirs.discount_rate, theirs.first_year
    )
    raise RunError(
        f"{explore_dir}: the exploration's costs are {exploration_said}; this report's are {said(*ours)}: report "
        "with the exploration's --baseline, --from-year, --to-year and --discount-rate, or explore with the same "
        "[analysis] table"
    )


def same_config(run_dir: str | Path, explore_dir: str | Path) -> bool:
    """Whether the batch and the exploration ran the same config text with the same overrides (the exploration
    then draws the ranged values around what the batch used)."""
    batch, explored = folder.read_manifest(run_dir), folder.read_manifest(explore_dir)
    return (batch.config_sha256, list(batch.overrides)) == (explored.config_sha256, list(explored.overrides))


def _stored_indices(run: Exploration, alternative: str) -> pd.DataFrame | None:
    """The indices `wsw-sim sensitivity` kept for this outcome, scenario and design, when they cover every
    municipality the outcome has; else None (they are then computed)."""
    if not has_table(run.run_dir, "sensitivity"):
        return None
    kept = load(run.run_dir, "sensitivity", filters={"outcome": OUTCOME, "scenario": alternative})
    kept = kept[kept["method"] == run.kind]
    if set(kept["municipality"]) != set(run.municipalities):
        return None
    return kept


def attach(
    explore_dir: str | Path, definition: CostDefinition, municipalities: list[str], alternatives: list[str], lang: str
) -> Explored:
    """The exploration in `explore_dir`, checked against the report (same definition of cost, its municipalities,
    at least one of its alternatives), with everything the report shows computed once."""
    run = exploration(explore_dir)  # not an exploration, or an unfinished one: RunError
    config = folder.run_config(explore_dir)
    _check_same_cost(Path(explore_dir), config, definition)
    missing = [m for m in municipalities if m not in run.municipalities]
    if missing:
        raise RunError(f"{explore_dir}: the exploration has no {missing[0]}; it has {', '.join(run.municipalities)}")
    shared = [a for a in alternatives if a in run.scenarios]
    if not shared:
        raise RunError(
            f"{explore_dir}: the exploration has none of the report's alternatives ({', '.join(alternatives)}); "
            f"it has {', '.join(run.scenarios)}"
        )
    names = [str(c) for c in run.experiments.columns]
    labels = {name: label(config, name, lang) for name in names}
    manifest = folder.read_manifest(explore_dir)
    out = Explored(
        run=run,
        run_id=str(manifest.run_id or Path(explore_dir).name),
        reps_per_point=int(manifest.reps_per_point or 1),
        means={a: point_means(run, OUTCOME, a) for a in shared},
        indices={},
        boxes={},
        labels=labels,
        breakevens=read_breakevens(explore_dir, definition, config.name),
    )
    for record in out.breakevens:  # a break-even may search a parameter the design did not draw
        labels.setdefault(str(record["path"]), label(config, str(record["path"]), lang))
    for alternative in shared:
        if run.kind in LEAD:
            out.indices[alternative] = _stored_indices(run, alternative)
            if out.indices[alternative] is None:
                with contextlib.suppress(RunError):  # no outcome to rank by (an alternative without money)
                    out.indices[alternative] = indices(run, OUTCOME, alternative)
        else:
            out.indices[alternative] = None  # an lhs design ranks nothing; its boxes still say where
        out.boxes[alternative] = {m: text for m, _box, text in boxes(run, alternative, lang, labels)}
    return out


class BreakEvenRecord(BaseModel):
    """What `wsw-sim breakeven --out` keeps (`sim.runs.breakeven.write_result`), as the report needs it."""

    model_config = ConfigDict(extra="allow")

    path: str
    baseline: str
    alternative: str
    municipality: str
    low: float
    high: float
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    reps: int
    overrides: list[str] = []
    first_year: int
    last_year: int
    discount_rate: float
    config: str = ""


def read_breakevens(explore_dir: str | Path, definition: CostDefinition, config_name: str) -> list[dict[str, Any]]:
    """The break-even results kept in the folder (`wsw-sim breakeven --out`) that answer this report's question:
    the same baseline, years and discount rate, and the exploration's config; by file name. A file that is not
    such a result is bad input (`RunError` naming the file and the field)."""
    period = definition.period
    ours = (definition.baseline, period.from_year, period.to_year, period.discount_rate)
    found = []
    for path in sorted((Path(explore_dir) / folder.BREAKEVEN).glob("*.json")):
        try:
            record = BreakEvenRecord.model_validate_json(path.read_bytes())
        except OSError as exc:
            raise RunError(f"{path}: cannot be read ({exc.strerror})") from None
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"]) or "the file"
            raise RunError(f"{path}: {where}: {error['msg']} (not a wsw-sim breakeven result)") from None
        theirs = (record.baseline, record.first_year, record.last_year, record.discount_rate)
        if theirs == ours and record.config in ("", config_name):
            found.append(record.model_dump())
    return found


# ----------------------------------------------------------------------------------------- decision page


def band(explored: Explored, alternative: str, municipality: str) -> tuple[float, float, float] | None:
    """5th and 95th percentile over the design points of the mean paired difference, and the share of points at
    which the alternative is cheaper (mean below zero); None when the exploration lacks it."""
    means = explored.means.get(alternative)
    if means is None or municipality not in means.columns:
        return None
    values = means[municipality].to_numpy(dtype=float)
    p5, p95 = np.percentile(values, [5, 95])
    return float(p5), float(p95), float((values < 0).mean())


def band_cells(explored: Explored | None, alternative: str, municipality: str, fmt: Formatter) -> list[Cell]:
    """The decision table's two cells from the exploration: the band from the parameters, the share cheaper."""
    found = band(explored, alternative, municipality) if explored is not None else None
    if found is None:
        return [[Num("–")], [Num("–")]]
    p5, p95, cheaper = found
    return [[fmt.money(p5, True), Num("\u00a0… "), fmt.money(p95, True)], [fmt.share(cheaper)]]


def band_sentence(explored: Explored, fmt: Formatter, parameters_drawn: int = 0) -> str:
    """What the two bands are; the futures band holds the batch's drawn assumptions too, when it drew any."""
    run = explored.run
    futures = fmt.t("band_futures_drawn", k=parameters_drawn) if parameters_drawn else fmt.t("band_futures_chance")
    reps = explored.reps_per_point
    text = fmt.t(
        "s_band_parameters",
        futures=futures,
        n=len(run.experiments),
        k=len(run.experiments.columns),
        kind=run.kind,
        reps=reps,
        run_id=explored.run_id,
    )
    if run.kind == "morris":
        text += " " + fmt.t("s_band_grid")
    if reps < FIRM_REPS:
        text += " " + fmt.t("s_band_few_reps", reps=reps)
    return text


FIRM_REPS = 10
"""Replications per design point below which the report says that chance can shift the parameter band."""


# ---------------------------------------------------------------------------------------- what decides


@dataclass
class Decides:
    """What decides one alternative's extra cost for one municipality (or the region)."""

    alternative: str
    title: str
    intro: str
    chart: ShownChart | None
    table: Table | None
    box: str


def _ranked(table: pd.DataFrame, municipality: str, kind: str) -> pd.DataFrame:
    """Per parameter of the municipality: the leading index (value, interval) and the second, most influential
    first (ties by name), as `analysis.sensitivity` ranks them."""
    lead, second = LEAD[kind]
    rows = table[table["municipality"] == municipality]
    wide = rows[rows["index"] == lead].set_index("parameter")[["value", "ci_low", "ci_high"]]
    wide["second"] = rows[rows["index"] == second].set_index("parameter")["value"].reindex(wide.index)
    value = wide["value"].astype(float).fillna(-np.inf)
    order = sorted(wide.index, key=lambda name: (-float(value[name]), str(name)))
    return wide.loc[order]


def _scale(values: pd.Series, kind: str) -> tuple[float, str]:
    """Morris mu* is money (million or thousand EUR); Sobol's indices are shares of the variance."""
    if kind != "morris":
        return 1.0, "share"
    return charts.money_scale(values.tolist())


def _decides(explored: Explored, alternative: str, municipality: str, fmt: Formatter, with_charts: bool) -> Decides:
    run = explored.run
    who = fmt.name(municipality)
    title = fmt.t("decides_for", alternative=alternative, baseline=run.baseline)
    box = explored.boxes[alternative].get(municipality, "")
    table = explored.indices.get(alternative)
    if table is None or municipality not in set(table["municipality"]):
        why = fmt.t("decides_no_indices", kind=run.kind) if run.kind not in LEAD else fmt.t("decides_no_values")
        return Decides(alternative, title, why, None, None, box)
    ranked = _ranked(table, municipality, run.kind).head(TOP)
    scale, unit = _scale(ranked["value"], run.kind)
    lead, second = LEAD[run.kind]
    unit_text = fmt.t(f"decides_unit_{unit}")
    rows: list[list[str | Cell]] = []
    for path, r in ranked.iterrows():

        def shown(x: float) -> Num:
            return Num(fmt.amount(x / scale, 2).text, exact(x))

        name = explored.labels.get(str(path), str(path))
        rows.append(
            [
                name if name == path else f"{name} ({path})",
                [shown(r["value"])],
                [shown(r["ci_low"]), Num("\u00a0… "), shown(r["ci_high"])],
                [shown(r["second"])],
            ]
        )
    header = [
        fmt.t("col_assumption"),
        fmt.t(f"col_{lead}", unit=unit_text),
        fmt.t("col_ci95"),
        fmt.t(f"col_{second}", unit=unit_text),
    ]
    caption = fmt.t("decides_table", who=who, n=len(ranked), k=len(run.experiments.columns))
    numbers = Table(caption, header, rows)
    intro = fmt.t(f"decides_intro_{run.kind}", n=len(run.experiments), run_id=explored.run_id)
    chart = None
    if with_charts and len(ranked):
        labels = [explored.labels.get(str(p), str(p)) for p in ranked.index]
        alt_text = fmt.t("decides_alt", who=who, alternative=alternative, baseline=run.baseline) + "; ".join(
            f"{name}: {fmt.amount(v / scale, 2).text}" for name, v in zip(labels, ranked["value"], strict=True)
        )
        drawn = charts.ranked_bars(
            labels,
            (ranked[["value", "ci_low", "ci_high"]] / scale).to_numpy(dtype=float),
            f"{fmt.t(f'col_{lead}', unit=unit_text)}",
            key=f"decides_{alternative}_{municipality}",
            title=f"{title}: {who}",
            alt=alt_text,
            lang=fmt.lang,
        )
        chart = ShownChart(drawn, None)
    return Decides(alternative, title, intro, chart, numbers, box)


def sections(explored: Explored, municipality: str, fmt: Formatter, with_charts: bool) -> list[Decides]:
    """What decides, per alternative the exploration holds, for one municipality (or `TOTAL`)."""
    return [_decides(explored, a, municipality, fmt, with_charts) for a in explored.means]


def breakeven_table(explored: Explored, municipality: str, fmt: Formatter) -> Table | None:
    """The kept break-even values for the municipality (or `TOTAL`), one row per question."""
    rows: list[list[str | Cell]] = []
    for record in explored.breakevens:
        if record.get("municipality") != municipality:
            continue
        path = str(record["path"])
        name = explored.labels.get(path, path)
        low, high = float(record["low"]), float(record["high"])
        if record.get("value") is None:
            found: Cell = [Num(fmt.t("breakeven_none"), "none")]
            interval: Cell = [Num("–")]
        else:
            found = [_num(float(record["value"]), fmt)]
            ci_low, ci_high = record.get("ci_low"), record.get("ci_high")
            interval = [
                _num(float(ci_low), fmt) if ci_low is not None else Num(fmt.t("below", value=_plain(low, fmt))),
                Num(" … "),
                _num(float(ci_high), fmt) if ci_high is not None else Num(fmt.t("above", value=_plain(high, fmt))),
            ]
        # a zero-width space after each dot: a narrow column breaks a config path between its parts
        settings = ", ".join(str(s).replace(".", ".\u200b") for s in record.get("overrides", [])) or "–"
        rows.append(
            [
                name if name == path else f"{name} ({path})",
                str(record.get("alternative", "?")),
                found,
                interval,
                f"{_plain(low, fmt)} – {_plain(high, fmt)}",
                str(record.get("reps", "?")),
                settings,
            ]
        )
    if not rows:
        return None
    header = [fmt.t(k) for k in ("col_assumption", "col_scenario", "col_breakeven", "col_ci95", "col_range_param")]
    header += [fmt.t("col_n"), fmt.t("col_settings")]
    return Table(fmt.t("breakeven_table", baseline=explored.run.baseline), header, rows, textual=False)


def _plain(x: float, fmt: Formatter) -> str:
    """A parameter value: whole from 100 on, else up to three decimals (a rate, a share)."""
    if math.isnan(x):
        return "–"
    return fmt.amount(x, 0 if abs(x) >= 100 else 3).text


def _num(x: float, fmt: Formatter) -> Num:
    return Num(_plain(x, fmt), exact(x))


def provenance(explored: Explored, fmt: Formatter) -> list[tuple[str, str]]:
    run = explored.run
    what = fmt.t(
        "prov_exploration_value",
        run_id=explored.run_id,
        kind=run.kind,
        n=len(run.experiments),
        reps=explored.reps_per_point,
        k=len(run.experiments.columns),
    )
    return [(fmt.t("prov_exploration"), f"{what} ({run.run_dir})")]
