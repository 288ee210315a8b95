"""Figures, targets and the printed table of the end-to-end benchmark."""

from __future__ import annotations

import argparse
import os
from typing import Any

from benchmarks import e2e_checks
from benchmarks.e2e_ingest import TreeRun
from benchmarks.e2e_stages import Stage

# The open issues' targets: issue 18 (speed, memory, rerun) and issue 14 (tagging speed).
RATIO_TARGET = 1.0
PSS_LIMIT_MB = 600
RERUN_LIMIT_S = 5.0
EXTRACTION_LIMIT = 1.3  # newsflow's extraction CPU / trafilatura with metadata (issue 8, kept)
TAGGING_PER_CORE = 300


def _stage(stages: list[Stage], prefix: str) -> Stage | None:
    return next((s for s in stages if s.name.startswith(prefix)), None)


def headline(pages: int, first: TreeRun, base_pps: float, base_cpu_ms: float) -> dict[str, Any]:
    """End-to-end rates of the first run, against the single-process baseline."""
    in_flow = (first.flow_end - first.flow_start) if first.flow_start and first.flow_end else None
    pps = pages / first.wall
    return {
        "wall_s": round(first.wall, 2), "pages_per_s": round(pps, 2), "ratio": round(pps / base_pps, 3),
        "flow_s": round(in_flow, 2) if in_flow else None,
        "pages_per_s_in_flow": round(pages / in_flow, 2) if in_flow else None,
        "ratio_in_flow": round(pages / in_flow / base_pps, 3) if in_flow else None,
        "cpu_s_per_page": round(first.cpu / pages, 4),
        "cpu_vs_baseline": round(1000 * first.cpu / pages / base_cpu_ms, 2),
        "peak_rss_mb": round(first.peak_rss_mb, 1), "peak_pss_mb": round(first.peak_pss_mb, 1),
        "peak_processes": first.peak_processes, "rss_at_peak_mb": first.rss_at_peak,
        "pss_at_peak_mb": first.pss_at_peak,
        "cpu_s_by_role": first.cpu_by_role,
        "harness_cpu_s": round(first.harness_cpu, 2), "sampler_cpu_s": round(first.sampler_cpu, 2),
    }


def prefect_share(first: TreeRun, noop_new: TreeRun, noop_old: TreeRun, python: float) -> dict[str, Any]:
    """Prefect's fixed cost, two ways: a no-op flow with the same task graph, and the run's own log."""
    before_flow = first.flow_start or 0.0
    after_flow = first.wall - first.flow_end if first.flow_end else 0.0
    noop_tasks = (noop_new.flow_end - noop_new.flow_start) if noop_new.flow_end and noop_new.flow_start else None
    return {
        "noop_flow_new_db_s": round(noop_new.wall, 2), "noop_flow_existing_db_s": round(noop_old.wall, 2),
        "noop_orchestration_in_flow_s": round(noop_tasks, 2) if noop_tasks else None,
        "python_startup_s": round(python, 2),
        "share_noop": round(noop_new.wall / first.wall, 3),
        "launch_to_flow_start_s": round(before_flow, 2), "flow_end_to_exit_s": round(after_flow, 2),
        "share_outside_flow": round((before_flow + after_flow) / first.wall, 3),
    }


def targets(e2e: dict[str, Any], runs: dict[str, TreeRun], stages: list[Stage]) -> dict[str, Any]:
    """Each target of the open issues this benchmark measures, with its value and whether it is met."""
    out: dict[str, Any] = {
        f"18 e2e pages/s >= {RATIO_TARGET} x bare trafilatura": (e2e["ratio"], e2e["ratio"] >= RATIO_TARGET),
        "18 (in-flow, Prefect start-up excluded)":
            (e2e["ratio_in_flow"], (e2e["ratio_in_flow"] or 0) >= RATIO_TARGET),
        f"18 peak PSS of the tree <= {PSS_LIMIT_MB} MB": (e2e["peak_pss_mb"], e2e["peak_pss_mb"] <= PSS_LIMIT_MB),
    }
    if "second_temporary_api" in runs:
        wall = round(runs["second_temporary_api"].wall, 2)
        out[f"18 rerun with nothing new, temporary API <= {RERUN_LIMIT_S:.0f} s"] = (wall, wall <= RERUN_LIMIT_S)
    meta, ours, tags = (_stage(stages, p) for p in ("trafilatura.extract with", "newsflow extract", "tagging"))
    if meta and ours:
        ratio = round(ours.cpu_ms / meta.cpu_ms, 3)
        name = f"8 extraction CPU/page <= {EXTRACTION_LIMIT} x trafilatura with metadata"
        out[name] = (ratio, ratio <= EXTRACTION_LIMIT)
    if tags:
        per_core = round(tags.items / tags.cpu, 1)
        out[f"14 tagging >= {TAGGING_PER_CORE} articles/s/core (CPU time)"] = (per_core, per_core >= TAGGING_PER_CORE)
    return {k: {"value": v, "met": met} for k, (v, met) in out.items()}


def results(args: argparse.Namespace, distinct: int, baselines: tuple[Stage, Stage], stages: list[Stage],
            ingest: dict[str, Any], loads: tuple[tuple[float, ...], tuple[float, ...]]) -> dict[str, Any]:
    """Everything measured, with the derived figures, as one JSON-able dict."""
    runs: dict[str, TreeRun] = ingest["runs"]
    pages = ingest["first"]["served"]
    base_wall = sum(b.wall for b in baselines)
    base_pps = sum(b.items for b in baselines) / base_wall
    base_cpu_ms = 1000 * sum(b.cpu for b in baselines) / sum(b.items for b in baselines)
    e2e = headline(pages, runs["first"], base_pps, base_cpu_ms)
    return {
        "setup": {"pages": pages, "distinct_pages": distinct, "outlets": args.outlets, "hosts": args.hosts,
                  "host_concurrency": args.host_concurrency, "latency_s": args.latency,
                  "workers": args.workers, "cores": os.cpu_count(),
                  "load_avg_start": [round(x, 2) for x in loads[0]],
                  "load_avg_end": [round(x, 2) for x in loads[1]]},
        "baseline": {"before": baselines[0].as_json(), "after": baselines[1].as_json(),
                     "pages_per_s": round(base_pps, 2), "cpu_ms_per_page": round(base_cpu_ms, 2)},
        "e2e": e2e,
        "prefect": prefect_share(runs["first"], runs["noop_new_db"], runs["noop_existing_db"],
                                 ingest["python_startup"]),
        "dashboard_startup_s": ingest["dashboard_startup"],
        "runs": {k: r.as_json() for k, r in runs.items()},
        "stages": [s.as_json() for s in stages],
        "acceptance": {"first_run": ingest["first"], "reruns": ingest["reruns"]},
        "targets": targets(e2e, runs, stages),
    }


def table(r: dict[str, Any]) -> list[str]:
    """The printed report."""
    s, b, e, p = r["setup"], r["baseline"], r["e2e"], r["prefect"]
    out = [
        f"newsflow end-to-end benchmark: {s['pages']} pages ({s['distinct_pages']} distinct), "
        f"{s['outlets']} outlets on {s['hosts']} host(s), {s['latency_s'] * 1000:.0f} ms latency, "
        f"{s['host_concurrency']} requests/host, {s['cores']} cores, load avg {s['load_avg_start'][0]:.2f} "
        f"-> {s['load_avg_end'][0]:.2f}",
        "", f"{'run / stage':<48} {'wall s':>8} {'pages/s':>9} {'CPU ms/pg':>10} {'RSS MB':>7} {'PSS MB':>7}",
    ]
    for label, run in r["runs"].items():
        n = s["pages"] if label == "first" else 0
        rate = f"{n / run['wall']:.1f}" if n else "-"
        cpu = f"{1000 * run['cpu'] / n:.1f}" if n else f"{run['cpu']:.1f} s"
        out.append(f"ingest {label:<41} {run['wall']:>8.1f} {rate:>9} {cpu:>10} {run['peak_rss_mb']:>7.0f} "
                   f"{run.get('peak_pss_mb', 0):>7.0f}")
    for key in ("before", "after"):
        st = b[key]
        out.append(f"baseline {key}: bare trafilatura, 1 process{'':<13} {st['wall']:>8.1f} "
                   f"{st['per_s']:>9.1f} {st['cpu_ms_per_item']:>10.1f} {'':>12}")
    for st in r["stages"]:
        out.append(f"  {st['name']:<46} {st['wall']:>8.1f} {st['per_s']:>9.1f} {st['cpu_ms_per_item']:>10.1f}")
    out += [
        "",
        f"headline: end-to-end {e['pages_per_s']:.1f} pages/s / baseline {b['pages_per_s']:.1f} pages/s = "
        f"{e['ratio']:.2f}x (in-flow, without Prefect start-up: {e['pages_per_s_in_flow']} pages/s = "
        f"{e['ratio_in_flow']}x)",
        f"CPU per page, whole tree: {1000 * e['cpu_s_per_page']:.1f} ms = {e['cpu_vs_baseline']:.2f}x bare "
        f"trafilatura's; CPU s by process: {e.get('cpu_s_by_role')}",
        f"the harness's own CPU meanwhile, on the same cores (the local site's server and the sampler): "
        f"{e.get('harness_cpu_s', 0):.1f} s, of which the sampler {e.get('sampler_cpu_s', 0):.1f} s",
        f"peak memory of the tree: RSS {e['peak_rss_mb']:.0f} MB, PSS {e.get('peak_pss_mb', 0):.0f} MB over "
        f"{e['peak_processes']} processes; RSS MB by process at the peak: {e.get('rss_at_peak_mb')}; "
        f"PSS MB by process at the PSS peak: {e.get('pss_at_peak_mb')}",
        f"Prefect: no-op flow with ingest's task graph {p['noop_flow_new_db_s']:.1f} s on a new database "
        f"({100 * p['share_noop']:.0f}% of the first run), {p['noop_flow_existing_db_s']:.1f} s on an existing "
        f"one; first run: launch -> flow start {p['launch_to_flow_start_s']:.1f} s, flow end -> exit "
        f"{p['flow_end_to_exit_s']:.1f} s ({100 * p['share_outside_flow']:.0f}% outside the flow); "
        f"python start-up {p['python_startup_s']:.2f} s",
    ]
    if r["dashboard_startup_s"] is not None:
        out.append(f"dashboard start-up (not counted in any run): {r['dashboard_startup_s']:.1f} s")
    out += ["", "issue 2, acceptance 2:"]
    out += ["  " + line for line in e2e_checks.lines(r["acceptance"]["first_run"], r["acceptance"]["reruns"])]
    out += ["", "targets:"]
    out += [f"  {'met ' if t['met'] else 'MISS'}  {name}: {t['value']}" for name, t in r["targets"].items()]
    return out
