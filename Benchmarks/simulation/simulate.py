#!/usr/bin/env python3
"""Monte Carlo check of `campaignlab uplift` against banks with known effects.

For every mechanism and seed: writes a foreign bank (foreign_bank.py) into a temporary
directory, runs

    <binary> uplift --db DB --campaign ID --format json --out OUTDIR --quiet [--arm ARM]

(once per treated arm when a campaign has several), reads the report's top-level
`estimates` list and matches every overall estimate (dimension and level null) by
(metric, arm) with the true sample ATT. Prints per mechanism × metric × arm × method:
reps, bias, bias as % of the true effect, RMSE, coverage of the 95% interval and its
Monte Carlo standard error, mean interval width, and the same for the relative effect;
then, per mechanism, how often the `default: true` estimate covered the truth.

Usage (from the package root):
    python3 Benchmarks/simulation/simulate.py --seeds 200 --customers 20000 --jobs 2
    python3 Benchmarks/simulation/simulate.py --mechanisms randomized_3arm --seeds 50 --markdown
"""
import argparse
import concurrent.futures
import glob
import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import foreign_bank  # noqa: E402

REQUIRED = ("metric", "arm", "method", "estimate", "low", "high", "default")
KEYS = ["mechanism", "metric", "arm", "method"]


class ReportError(Exception):
    """The report is not what the harness can read: stop the whole run."""


def read_estimates(path):
    """The `estimates` list of a report JSON, checked; ReportError names what is wrong."""
    try:
        with open(path) as f:
            report = json.load(f)
    except (OSError, ValueError) as error:
        raise ReportError(f"{path}: cannot read the report JSON ({error})")
    if not isinstance(report, dict) or "estimates" not in report:
        keys = ", ".join(map(str, report)) if isinstance(report, dict) else type(report).__name__
        raise ReportError(
            f"{path}: the report JSON has no top-level 'estimates' (its top-level keys: {keys}). "
            "This campaignlab does not write machine-readable estimates yet; the harness needs "
            "'estimates': a list of {metric, arm, method, dimension, level, estimate, low, high, "
            "p_value, p_adjusted, relative, relative_low, relative_high, default, note}.")
    estimates = report["estimates"]
    if not isinstance(estimates, list):
        raise ReportError(f"{path}: 'estimates' is a {type(estimates).__name__}, not a list")
    for i, e in enumerate(estimates):
        missing = [k for k in REQUIRED if not isinstance(e, dict) or k not in e]
        if missing:
            raise ReportError(f"{path}: estimates[{i}] lacks {', '.join(missing)}")
    return estimates


def number(x):
    """A JSON number as float; null, strings and non-finite values become NaN."""
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) else math.nan


def rows_of(estimates, truth, arm, mechanism, seed, estimand="att"):
    """Estimates of `arm` joined with the truth (`estimand`: 'att' or 'att_expected');
    overall ones and TEXT-dimension levels."""
    by_key = {(t["metric"], t["arm"]): t for t in truth["truth"]}
    rows = []
    for e in estimates:
        t = by_key.get((e["metric"], e["arm"]))
        if e["arm"] != arm or t is None:
            continue
        dim, level = e.get("dimension"), e.get("level")
        cell = t if dim is None and level is None else t["by"].get(str(dim), {}).get(str(level))
        if cell is None:
            continue
        true = cell[estimand]
        true_rel = true / cell["counterfactual_mean"] if cell["counterfactual_mean"] else math.nan
        rows.append({
            "mechanism": mechanism, "seed": seed, "metric": e["metric"], "arm": arm, "method": str(e["method"]),
            "dimension": dim, "level": None if level is None else str(level), "default": e.get("default") is True,
            "estimate": number(e["estimate"]), "low": number(e["low"]), "high": number(e["high"]),
            "relative": number(e.get("relative")), "relative_low": number(e.get("relative_low")),
            "relative_high": number(e.get("relative_high")),
            "truth": true, "truth_relative": number(true_rel)})
    return rows


def first_lines(text, n=3):
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return " | ".join(lines[:n])[:500] or "(no output)"


DEMO = "demo"  # the project's own generator (`campaignlab demo`), truth from its ground_truth table
DEMO_CAMPAIGN = "growth_journey_2026"


def demo_truth(binary, seed, customers, db):
    """Writes the demo bank with `campaignlab demo` and reads the sample ATTs of
    growth_journey_2026 from its ground_truth table (no relative truth is stored there)."""
    p = subprocess.run([binary, "demo", "--customers", str(customers), "--seed", str(seed), "--out", db, "--force"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise ReportError(f"campaignlab demo failed: {first_lines(p.stderr or p.stdout)}")
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute("SELECT metric, dimension, level, true_value FROM ground_truth WHERE campaign_id = ? "
                       "AND estimand = 'ATT' AND arm = 'participant'", (DEMO_CAMPAIGN,)).fetchall()
    con.close()
    truth = [{"metric": m, "arm": "participant", "att": v, "att_expected": v, "counterfactual_mean": None, "by": {}}
             for m, d, _, v in rows if d is None]
    for m, d, level, v in rows:
        if d is not None:
            cell = {"att": v, "att_expected": v, "counterfactual_mean": None}
            next(t for t in truth if t["metric"] == m)["by"].setdefault(d, {})[level] = cell
    return {"campaign_id": DEMO_CAMPAIGN, "treated_arms": ["participant"], "metrics": [t["metric"] for t in truth],
            "truth": truth}


def run_one(task):
    """One mechanism and seed: {'rows': [...]} or {'error': message} or {'fatal': message}."""
    mechanism, seed, customers, binary, workdir, keep, timeout, estimand, extra = task
    tmp = tempfile.mkdtemp(prefix=f"{mechanism}-{seed}-", dir=workdir)
    started = time.perf_counter()
    try:
        db = os.path.join(tmp, "bank.sqlite")
        truth = (demo_truth(binary, seed, customers, db) if mechanism == DEMO
                 else foreign_bank.generate(mechanism, seed, customers, db, os.path.join(tmp, "truth.json")))
        arms, rows = truth["treated_arms"], []
        for arm in arms:
            out = os.path.join(tmp, "report-" + arm)
            cmd = [binary, "uplift", "--db", db, "--campaign", truth["campaign_id"], "--format", "json",
                   "--out", out, "--quiet"] + (["--arm", arm] if len(arms) > 1 else []) + extra
            try:
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                return {"error": f"{mechanism} seed {seed} arm {arm}: uplift took over {timeout:g}s"}
            if p.returncode != 0:
                return {"error": f"{mechanism} seed {seed} arm {arm}: exit {p.returncode}: "
                                 f"{first_lines(p.stderr or p.stdout)}"}
            files = sorted(glob.glob(os.path.join(out, "*.json")))
            if len(files) != 1:
                raise ReportError(f"{out}: expected one report .json file, found {len(files)} "
                                  f"({', '.join(map(os.path.basename, files)) or 'none'})")
            found = rows_of(read_estimates(files[0]), truth, arm, mechanism, seed, estimand)
            if not found:
                return {"error": f"{mechanism} seed {seed} arm {arm}: the report has no estimate for arm "
                                 f"'{arm}' and metrics {', '.join(truth['metrics'])}"}
            rows += found
        return {"rows": rows, "seconds": time.perf_counter() - started}
    except ReportError as error:
        return {"fatal": str(error)}
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def covered(lo, hi, truth):
    ok = lo.notna() & hi.notna()
    return ((lo <= truth) & (truth <= hi))[ok], (hi - lo)[ok]


def summarize(df, keys):
    """One row per group: the overall accuracy of the estimates and of the relative effects."""
    out = []
    for key, g in df.groupby(keys, sort=False):
        g = g[g["estimate"].notna()]
        if g.empty:
            continue
        err, mean_truth = g["estimate"] - g["truth"], g["truth"].mean()
        cov, width = covered(g["low"], g["high"], g["truth"])
        row = dict(zip(keys, key))
        row.update({
            "reps": len(g), "truth": mean_truth, "bias": err.mean(),
            "bias%": 100 * err.mean() / abs(mean_truth) if mean_truth != 0 else math.nan,
            "rmse": math.sqrt((err**2).mean()), "cover": cov.mean() if len(cov) else math.nan,
            "cover_se": math.sqrt(cov.mean() * (1 - cov.mean()) / len(cov)) if len(cov) else math.nan,
            "width": width.mean() if len(width) else math.nan})
        r = g[g["relative"].notna() & g["truth_relative"].notna()]
        rerr = r["relative"] - r["truth_relative"]
        rcov, rwidth = covered(r["relative_low"], r["relative_high"], r["truth_relative"])
        row.update({
            "rel_truth": r["truth_relative"].mean() if len(r) else math.nan,
            "rel_bias": rerr.mean() if len(r) else math.nan,
            "rel_rmse": math.sqrt((rerr**2).mean()) if len(r) else math.nan,
            "rel_cover": rcov.mean() if len(rcov) else math.nan,
            "rel_width": rwidth.mean() if len(rwidth) else math.nan})
        out.append(row)
    return pd.DataFrame(out)


def fmt(x, kind=""):
    if isinstance(x, str):
        return x
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if kind == "int":
        return f"{int(x):,}"
    if kind == "share":
        return f"{x:.3f}"
    if kind == "pct":
        return f"{x:+.1f}%"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:.1f}"
    return f"{x:.4f}" if a >= 0.01 or a == 0 else f"{x:.2e}"


COLUMNS = [("metric", ""), ("arm", ""), ("method", ""), ("dimension", ""), ("level", ""), ("reps", "int"),
           ("truth", ""), ("bias", ""), ("bias%", "pct"), ("rmse", ""), ("cover", "share"), ("cover_se", "share"),
           ("width", ""), ("rel_truth", ""), ("rel_bias", ""), ("rel_rmse", ""), ("rel_cover", "share"),
           ("rel_width", "")]


def table(df, markdown):
    cols = [(c, k) for c, k in COLUMNS if c in df.columns]
    cells = [[fmt(r[c], k) for c, k in cols] for _, r in df.iterrows()]
    head = [c for c, _ in cols]
    if markdown:
        align = ["---" if k == "" and df[c].dtype == object else "---:" for c, k in cols]
        return "\n".join("| " + " | ".join(x.replace("|", "\\|") for x in line) + " |"
                         for line in [head, align] + cells)
    widths = [max(len(x) for x in col) for col in zip(head, *cells)]
    numeric = [df[c].dtype != object for c, _ in cols]
    line = lambda xs: "  ".join(x.rjust(w) if n else x.ljust(w) for x, w, n in zip(xs, widths, numeric))
    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(c) for c in cells])


def default_line(df, mechanism):
    d = df[(df["mechanism"] == mechanism) & df["default"] & df["dimension"].isna()]
    d = d[d["low"].notna() & d["high"].notna()]
    if d.empty:
        return f"{mechanism}: no estimate is marked default: true"
    cov = (d["low"] <= d["truth"]) & (d["truth"] <= d["high"])
    per = ", ".join(f"{k[0]}/{k[1]} {v.mean():.0%}" for k, v in cov.groupby([d["metric"], d["arm"]], sort=False))
    methods = ", ".join(sorted(d["method"].unique()))
    return (f"{mechanism}: the default estimate covered the truth in {cov.mean():.1%} of {len(d)} runs "
            f"(metric × arm × seed; {per}); default method: {methods}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--binary", default=".build/release/campaignlab")
    p.add_argument("--mechanisms", default=",".join(foreign_bank.MECHANISMS),
                   help="comma-separated (default: all: %(default)s)")
    p.add_argument("--seeds", type=int, default=20, help="number of seeds (default %(default)s)")
    p.add_argument("--first-seed", type=int, default=1)
    p.add_argument("--customers", type=int, default=20_000)
    p.add_argument("--jobs", type=int, default=2, help="parallel processes (default %(default)s)")
    p.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    p.add_argument("--by-level", action="store_true", help="also tabulate estimates by dimension level")
    p.add_argument("--timeout", type=float, default=900, help="seconds for one uplift run (default %(default)s)")
    p.add_argument("--workdir", help="where the temporary databases go (default: the system's temp dir)")
    p.add_argument("--keep", action="store_true", help="keep each run's database, truth and report")
    p.add_argument("--csv", help="also write every matched estimate to this CSV file")
    p.add_argument("--uplift-args", default="", help="more arguments for every uplift run, e.g. '--pre-months 12 --baseline monthly'")
    p.add_argument("--estimand", choices=["sample", "expected"], default="sample",
                   help="truth to compare with: the sample ATT (default) or the expected ATT given "
                        "the treated customers (without the effect's own noise)")
    a = p.parse_args(argv)
    mechanisms = [m.strip() for m in a.mechanisms.split(",") if m.strip()]
    unknown = [m for m in mechanisms if m not in foreign_bank.MECHANISMS and m != DEMO]
    if unknown or not mechanisms:
        p.error(f"unknown mechanism(s) {', '.join(unknown) or '(none)'}; "
                f"choose from {', '.join(foreign_bank.MECHANISMS)}, {DEMO}")
    binary = os.path.abspath(a.binary)
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        p.error(f"{binary} is not an executable file (build it, or pass --binary)")
    if a.seeds < 1 or a.jobs < 1 or a.customers < 30:
        p.error("--seeds and --jobs must be at least 1, --customers at least 30")

    if a.workdir:
        try:
            os.makedirs(a.workdir, exist_ok=True)
        except OSError as error:
            p.error(f"--workdir {a.workdir}: {error.strerror}")
    estimand = "att" if a.estimand == "sample" else "att_expected"
    tasks = [(m, s, a.customers, binary, a.workdir, a.keep, a.timeout, estimand, a.uplift_args.split())
             for m in mechanisms for s in range(a.first_seed, a.first_seed + a.seeds)]
    rows, errors, started = [], [], time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(max_workers=a.jobs) as pool:
        futures = {pool.submit(run_one, t): t for t in tasks}
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            try:
                result = future.result()
            except Exception as error:  # a bug or an unwritable --workdir: say which run
                m, seed = futures[future][:2]
                result = {"fatal": f"{m} seed {seed}: {type(error).__name__}: {error}"}
            if "fatal" in result:
                for f in futures:
                    f.cancel()
                print(f"simulate.py: {result['fatal']}", file=sys.stderr)
                sys.exit(2)
            if "error" in result:
                errors.append(result["error"])
            rows += result.get("rows", [])
            if done % max(1, len(tasks) // 20) == 0 or done == len(tasks):
                print(f"  {done}/{len(tasks)} runs, {len(errors)} failed, {time.perf_counter() - started:.0f}s",
                      file=sys.stderr)
    df = pd.DataFrame(rows, columns=["mechanism", "seed", "metric", "arm", "method", "dimension", "level",
                                     "default", "estimate", "low", "high", "relative", "relative_low",
                                     "relative_high", "truth", "truth_relative"])
    if a.csv:
        df.to_csv(a.csv, index=False)
    overall, levels = df[df["dimension"].isna()], df[df["dimension"].notna()]
    print(f"{len(tasks)} runs ({a.seeds} seeds × {len(mechanisms)} mechanisms, {a.customers:,} customers), "
          f"{len(errors)} failed; binary {binary}; truth: the {a.estimand} ATT")
    for m in mechanisms:
        campaign = DEMO_CAMPAIGN if m == DEMO else foreign_bank.CAMPAIGNS[m][0]
        print(f"\n{'### ' if a.markdown else ''}{m} (campaign {campaign})\n")
        failed = [e for e in errors if e.startswith(m + " ")]
        if failed:
            print(f"{len(failed)} runs failed; first: {failed[0]}\n")
        s = summarize(overall[overall["mechanism"] == m], KEYS)
        print(table(s.drop(columns="mechanism"), a.markdown) if len(s) else "(no estimates matched the truth)")
        if a.by_level and (levels["mechanism"] == m).any():
            s = summarize(levels[levels["mechanism"] == m], KEYS + ["dimension", "level"])
            print(f"\n{'#### ' if a.markdown else ''}by dimension level\n")
            print(table(s.drop(columns="mechanism"), a.markdown))
    print()
    for m in mechanisms:
        print(("- " if a.markdown else "") + default_line(df, m))
    return 1 if errors and not rows else 0


if __name__ == "__main__":
    sys.exit(main())
