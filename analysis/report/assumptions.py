"""The assumptions and provenance part of the report: every parameter of the config, the scenarios in words."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from analysis.report.format import Formatter


@dataclass(frozen=True)
class ParameterRow:
    path: str
    value: str
    range: str
    dist: str
    note: str
    assumption: bool


def config_of(man: Mapping[str, Any]) -> dict[str, Any]:
    """The config kept in a manifest, parsed (empty when absent or not TOML)."""
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


def scenario_text(scenario: Any, fmt: Formatter) -> tuple[str, str]:
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


def provenance(man: Mapping[str, Any], run_id: str, scenarios: list[str], fmt: Formatter) -> list[tuple[str, str]]:
    """Where the run came from: id, time, config, seed, replications, version, commit, population file."""
    unknown = fmt.t("unknown")
    return [
        (fmt.t("prov_run_id"), str(man.get("run_id", run_id))),
        (fmt.t("prov_created"), str(man.get("created", unknown))),
        (fmt.t("prov_status"), str(man.get("status", unknown))),
        (fmt.t("prov_config"), str(man.get("config_path", unknown))),
        (fmt.t("prov_seed"), str(man.get("root_seed", unknown))),
        (fmt.t("prov_replications"), str(man.get("replications", unknown))),
        (fmt.t("prov_scenarios"), ", ".join(scenarios)),
        (fmt.t("prov_version"), str(man.get("package_version", unknown))),
        (fmt.t("prov_commit"), str(man.get("git_commit", unknown))),
        (fmt.t("prov_population"), str(man.get("population_sha256") or fmt.t("prov_synthetic"))),
    ]
