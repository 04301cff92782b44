"""Replications until precise enough (`wsw-sim run --target-se EUR`): add chunks until the Monte Carlo standard
error of every paired contribution difference is below a target.

The differences are those of `sim.runs.outcomes`: per replication, the discounted contribution over the
`[analysis]` horizon of every alternative minus the baseline's, for every municipality and the total. Their
standard error is sd / sqrt(n). The batch starts with `--reps` replications (the minimum before the first
check); after each round the largest standard error is compared with the target; if it is above, the next
round adds the replications the current estimate says are still needed (n x (se / target)^2 - n, at least
one chunk, at most doubling the batch), up to `--max-reps`. The manifest's `target_se` records the rule, every
check and why the batch stopped.

Sequential stopping has a cost: the standard error estimate is itself random, and stopping the first time it
happens to fall below the target favours rounds where it was underestimated. The bias is small when the
checks are few (each round adds the estimated shortfall, so one or two rounds usually suffice) and the
minimum before the first check is large enough for the estimate to be steady (30 or more replications).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import ConfigError
from sim.runs import batch, folder, store
from sim.runs.batch import RunResult
from sim.runs.folder import ChunkEntry
from sim.runs.outcomes import contribution_npv, cost_definition
from sim.runs.plan import plan_chunks


def largest_standard_error(run_dir: Path) -> tuple[float, str, int]:
    """The largest standard error (EUR) of the paired differences in a run, where it is, and the replications."""
    manifest = folder.read_manifest(run_dir)
    config = folder.run_config(run_dir)
    definition = cost_definition(config)
    if definition.baseline not in manifest.scenarios:
        raise ConfigError("--target-se", "", f"the baseline {definition.baseline!r} is not among the scenarios run")
    municipalities = sorted(config.municipalities)
    replications = list(range(int(manifest.replications or 0)))
    columns = ["replication", "year", "municipality", "municipal_contribution_eur"]
    npv = {
        s: contribution_npv(
            folder.read_table(run_dir, "finance", columns, scenarios=[s]), definition, municipalities, replications
        )
        for s in manifest.scenarios
    }
    worst, where = 0.0, ""
    for scenario in manifest.scenarios:
        if scenario == definition.baseline:
            continue
        diff = npv[scenario] - npv[definition.baseline]
        se = diff.std(axis=0, ddof=1) / math.sqrt(len(replications))
        j = int(np.argmax(se))
        if se[j] > worst or not where:
            worst, where = float(se[j]), f"{scenario} - {definition.baseline}, {[*municipalities, 'total'][j]}"
    if not where:
        raise ConfigError("--target-se", "", "needs a baseline and at least one alternative scenario in the run")
    return worst, where, len(replications)


def next_total(replications: int, se: float, target: float, chunk_size: int, max_reps: int) -> int:
    """How many replications the next round should bring the batch to (see the module)."""
    needed = math.ceil(replications * (se / target) ** 2)
    step = min(max(needed - replications, chunk_size), replications)
    return min(max_reps, replications + step)


def check_rule(target_se: float, reps: int, max_reps: int | None) -> int:
    if not target_se > 0 or not math.isfinite(target_se):
        raise ConfigError("--target-se", str(target_se), "must be a positive amount of EUR")
    if reps < 2:
        raise ConfigError("--reps", str(reps), "with --target-se, the first round needs at least 2 replications")
    limit = max_reps if max_reps is not None else 10 * reps
    if limit < reps:
        raise ConfigError("--max-reps", str(limit), f"is below --reps {reps}")
    return limit


def run_until_precise(
    config_path: str | Path,
    reps: int,
    root_seed: int,
    out: str | Path,
    target_se: float,
    max_reps: int | None,
    **options: Any,
) -> RunResult:
    """A batch of `reps` replications, then more chunks until the largest standard error is at most `target_se`."""
    from sim.inputs.config import load_config
    from sim.runs.plan import select_scenarios

    limit = check_rule(target_se, reps, max_reps)
    config = load_config(config_path, options.get("overrides", ()))
    selected = select_scenarios(config, options.get("scenarios"))
    baseline = cost_definition(config).baseline
    if baseline not in selected or len(selected) < 2:
        raise ConfigError("--scenario", "", f"--target-se compares with the baseline {baseline!r}: run it and another")
    result = batch.start_run(config_path, reps, root_seed, out, **options)
    run_dir = result.run_dir
    ran, seconds = result.replications_run, result.seconds
    checks: list[dict[str, Any]] = []
    rule = {"target_eur": target_se, "min_reps": reps, "max_reps": limit, "checks": checks, "stopped": None}
    while result.status == "complete":
        se, where, n = largest_standard_error(run_dir)
        checks.append({"replications": n, "largest_se_eur": round(se, 2), "where": where})
        manifest = folder.read_manifest(run_dir)
        if se <= target_se:
            rule["stopped"] = f"reached: the largest standard error {se:,.0f} EUR ({where}) is at most {target_se:,.0f}"
        elif n >= limit:
            rule["stopped"] = f"max reps: {n} replications, the largest standard error is still {se:,.0f} EUR ({where})"
        if rule["stopped"]:
            manifest.target_se = rule
            store.write_manifest(run_dir, manifest)
            break
        total = next_total(n, se, target_se, int(manifest.chunk_size or 1), limit)
        _extend(run_dir, total, rule)
        result = batch.resume_run(run_dir, progress=options.get("progress"))
        ran, seconds = ran + result.replications_run, seconds + result.seconds
    if result.status != "complete":  # interrupted or failed: the rule stops with the batch
        manifest = folder.read_manifest(run_dir)
        rule["stopped"] = f"{result.status}: resume the run, then run again with --target-se to go on"
        manifest.target_se = rule
        store.write_manifest(run_dir, manifest)
    result.replications = int(folder.read_manifest(run_dir).replications or 0)
    result.replications_run, result.seconds = ran, seconds
    return result


def _extend(run_dir: Path, total: int, rule: dict[str, Any]) -> None:
    """Add the chunks of replications up to `total` to the manifest, as pending (a resume runs them)."""
    manifest = folder.read_manifest(run_dir)
    size = int(manifest.chunk_size or 1)
    first = int(manifest.replications or 0)
    ids = len(manifest.chunks)
    for k, chunk in enumerate(plan_chunks(total - first, size)):
        manifest.chunks.append(ChunkEntry(id=ids + k, first=first + chunk.first, last=first + chunk.last))
    manifest.replications = total
    manifest.target_se = rule
    store.write_manifest(run_dir, manifest)


def describe(run_dir: Path) -> Sequence[str]:
    """Why a --target-se batch stopped (nothing for other runs)."""
    rule = folder.read_manifest(run_dir).target_se
    return [f"target-se: {rule['stopped']}"] if rule and rule.get("stopped") else []
