"""Checks Benchmarks/peers/checkup_peer.py against the reference scripts of Tests/References.

Usage (from the repository root): python3 Benchmarks/peers/check_checkup_peer.py [--rerun]
Runs the peer with CHECKUP_PEER_FULL=1 on
- datasets/demo-small.sqlite, quarter 2026Q3, the peer's defaults;
- datasets/foreign-ab.sqlite, its latest complete quarter, with --activity months:logins>0
  --dormant-months 2 --metric balance --tiers 10000,100000,1000000 (the bank has no app_logins
  or aum; these are the options of the committed foreign fixtures);
and compares every record of retention, lifecycle, migration and kpis (plus the tier table, the
net upgrade rates, the change, the retention comparison and the KPI changes) and the whole AARRR
funnel object (steps, transitions, overall, year_earlier with its comparison; against
base_funnel.py, /tmp/spec/base-funnel-spec.md v2) with the fixtures
Tests/References/*_demo_small.json / *_foreign.json: numbers to 1e-9 relative (absolute 1e-12
near 0: statsmodels' Wilson bounds at 0 / 1 can be 1e-17 off), everything else exactly. A fixture
made with other options than the peer's (retention_foreign.json: events, first-activity,
on-or-after; base_funnel_foreign.json: --activation events:signin, while the peer's funnel takes
the --activity column there, months:logins>0) is replaced by a fresh run of the reference script with the peer's options; with
--rerun every reference is run afresh instead of read from its fixture. The concentration figures
are checked against the formulas of Tests/References/inequality.py (double-sum Gini, Lorenz
interpolation). When reports/health-checkup.en.json was made from datasets/demo.sqlite (the Swift
binary's `make demo` output), the peer's tables on that file are compared with it too
(informational: the report may be older than the file). Exit status 1 on any disagreement.
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REF = os.path.join(ROOT, "Tests", "References")
PEER = os.path.join(ROOT, "Benchmarks", "peers", "checkup_peer.py")
RTOL, ATOL = 1e-9, 1e-12
RERUN = "--rerun" in sys.argv[1:]


def run_peer(db, quarter, opts):
    env = dict(os.environ, CHECKUP_PEER_FULL="1")
    out = subprocess.run([sys.executable, PEER, db, quarter, *opts], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def run_ref(script, args):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    try:
        subprocess.run([sys.executable, os.path.join(REF, script), *args, "--out", path], check=True,
                       capture_output=True, text=True)
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    finally:
        os.unlink(path)


def fixture(name):
    with open(os.path.join(REF, name), encoding="utf-8") as f:
        return json.load(f)


def same(a, b):
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None or isinstance(a, str) or isinstance(b, str):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= max(RTOL * abs(b), ATOL)
    return a == b


def compare(what, mine, ref, problems):
    """Lists of records or dicts, key by key; returns the number of numbers compared."""
    if isinstance(ref, list):
        if not isinstance(mine, list) or len(mine) != len(ref):
            problems.append(f"{what}: {len(mine) if isinstance(mine, list) else mine!r} records vs {len(ref)}")
            return 0
        return sum(compare(f"{what}[{i}]", m, r, problems) for i, (m, r) in enumerate(zip(mine, ref)))
    if isinstance(ref, dict):
        if not isinstance(mine, dict):
            problems.append(f"{what}: {mine!r} vs {ref!r}")
            return 0
        if set(mine) != set(ref):
            problems.append(f"{what}: keys {sorted(mine)} vs {sorted(ref)}")
        return sum(compare(f"{what}.{k}", mine.get(k), ref[k], problems) for k in ref)
    if not same(mine, ref):
        problems.append(f"{what}: {mine!r} vs {ref!r}")
    return int(isinstance(ref, (int, float)) and not isinstance(ref, bool))


def concentration_check(db, metric, peer, problems):
    """inequality.py's formulas on the values at the latest month (double-sum Gini)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    last = con.execute("SELECT max(month) FROM customer_months WHERE customer_id IN (SELECT customer_id FROM customers)").fetchone()[0]
    x = np.array([r[0] for r in con.execute(
        f'SELECT "{metric}" FROM customer_months WHERE month = ? AND "{metric}" IS NOT NULL '
        "AND customer_id IN (SELECT customer_id FROM customers)", (last,))], float)
    sys.path.insert(0, REF)
    import inequality  # noqa: E402  (prints its own reference values on import)
    g = inequality.gini_double_sum(x)
    P, L = inequality.lorenz(x)
    ref = {"month": last, "customers": len(x), "total": float(x.sum()), "median": float(np.median(x)), "gini": float(g),
           "top_1pct_share": float(1 - np.interp(0.99, P, L)), "top_10pct_share": float(1 - np.interp(0.9, P, L)),
           "bottom_80pct_share": float(np.interp(0.8, P, L))}
    return compare("concentration", peer["concentration"], ref, problems)


def latest_complete_quarter(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    y, m = map(int, con.execute("SELECT max(month) FROM customer_months").fetchone()[0].split("-"))
    e = y * 12 + m - 1
    e = e if e % 3 == 2 else e - e % 3 - 1
    return f"{e // 12}Q{(e % 12) // 3 + 1}"


def check_case(name, db, quarter, opts, refs):
    """refs: table -> (fixture file, reference script, its args, fixture usable as is)."""
    import io
    import contextlib
    peer = run_peer(db, quarter, opts)
    problems, counts = [], {}
    for table, (fx, script, rargs, usable) in refs.items():
        ref = fixture(fx) if usable and not RERUN else run_ref(script, ["--db", db, *rargs])
        src = fx if usable and not RERUN else f"{script} {' '.join(rargs)} (fresh run)"
        n = 0
        if table == "retention":
            n += compare("retention", peer["retention"], ref["retention"], problems)
            n += compare("retention.comparison", peer["retention_comparison"], ref["comparison"], problems)
        elif table == "lifecycle":
            n += compare("lifecycle", peer["lifecycle"], ref["lifecycle"], problems)
        elif table == "tiers":
            n += compare("migration", peer["migration"], ref["migration"], problems)
            n += compare("tiers", peer["tiers"], ref["tiers"], problems)
            n += compare("net_upgrade", peer["net_upgrade_full"], ref["net_upgrade"], problems)
            n += compare("year_earlier", peer["year_earlier"], ref["year_earlier"], problems)
            n += compare("change", peer["change"], ref["change"], problems)
        elif table == "kpis":
            n += compare("kpis", peer["kpis"], ref["kpis"], problems)
            mine = [{k: v for k, v in c.items()} for c in peer["kpi_changes"]]
            theirs = [{k: v for k, v in c.items() if k != "cut_at_minus_1"} for c in ref["changes"]]
            key = lambda c: (str(c["level"]), c["kpi"], c["against"])
            n += compare("kpis.changes", sorted(mine, key=key), sorted(theirs, key=key), problems)
        elif table == "funnel":
            n += compare("funnel", peer["funnel"], ref, problems)
        counts[table] = (n, src)
    with contextlib.redirect_stdout(io.StringIO()):
        counts["concentration"] = (concentration_check(db, opts[opts.index("--metric") + 1] if "--metric" in opts else "aum",
                                                       peer, problems), "inequality.py formulas")
    print(f"== {name}: {os.path.basename(db)} {quarter} {' '.join(opts)}")
    for table, (n, src) in counts.items():
        print(f"   {table:14s} {n:5d} numbers against {src}")
    print(f"   peer {peer['seconds']:.2f} s (read {peer['read_seconds']:.2f} s)")
    for p in problems[:20]:
        print("   DIFFERENT", p)
    print(f"   {'OK' if not problems else f'{len(problems)} disagreements'}")
    return not problems


def check_report():
    """The peer on datasets/demo.sqlite against the Swift binary's report of it (informational)."""
    rep_path, db = os.path.join(ROOT, "reports", "health-checkup.en.json"), os.path.join(ROOT, "datasets", "demo.sqlite")
    if not (os.path.exists(rep_path) and os.path.exists(db)):
        return True
    with open(rep_path, encoding="utf-8") as f:
        rep = json.load(f)
    if rep.get("source") != "demo.sqlite":
        return True
    peer = run_peer(db, latest_complete_quarter(db), [])
    problems = []
    n = sum(compare(t, peer[t], rep[t], problems) for t in ("retention", "lifecycle", "migration", "kpis"))
    figs = {}
    def walk(o):
        if isinstance(o, dict):
            if o.get("type") == "key_figures":
                for fig in o["figures"]:
                    figs[fig["label"]] = fig["value"]
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(rep["blocks"])
    c = peer["concentration"]
    for lab, key in (("Gini coefficient", "gini"), ("Held by the top 1%", "top_1pct_share"),
                     ("Held by the top 10%", "top_10pct_share"), ("Held by the bottom 80%", "bottom_80pct_share"),
                     ("Median", "median"), ("Total", "total")):
        if lab in figs:
            n += compare(f"concentration.{key}", c[key], figs[lab], problems)
    print(f"== report: datasets/demo.sqlite {peer['quarter']} against reports/health-checkup.en.json (Swift)")
    print(f"   {n} numbers; peer {peer['seconds']:.2f} s (read {peer['read_seconds']:.2f} s)")
    for p in problems[:20]:
        print("   DIFFERENT", p)
    print(f"   {'OK' if not problems else f'{len(problems)} disagreements (informational)'}")
    return True


def main():
    os.chdir(ROOT)
    small, foreign = "datasets/demo-small.sqlite", "datasets/foreign-ab.sqlite"
    ok = check_case("demo-small", small, "2026Q3", [], {
        "retention": ("retention_demo_small.json", "retention.py", [], True),
        "lifecycle": ("lifecycle_demo_small.json", "lifecycle.py", [], True),
        "tiers": ("tiers_demo_small.json", "tiers.py", ["--quarter", "2026Q3"], True),
        "kpis": ("kpis_demo_small.json", "kpis.py", ["--quarter", "2026Q3"], True),
        "funnel": ("base_funnel_demo_small.json", "base_funnel.py", ["--quarter", "2026Q3"], True),
    })
    q = latest_complete_quarter(foreign)
    fopts = ["--activity", "months:logins>0", "--dormant-months", "2", "--metric", "balance",
             "--tiers", "10000,100000,1000000"]
    ok &= check_case("foreign", foreign, q, fopts, {
        # the fixture is first-activity / events:visit,order / on-or-after: rerun with the peer's options
        "retention": ("retention_foreign.json", "retention.py", ["--activity", "months:logins>0"], False),
        "lifecycle": ("lifecycle_foreign.json", "lifecycle.py", ["--activity", "months:logins>0", "--dormant-months", "2"], True),
        "tiers": ("tiers_foreign.json", "tiers.py", ["--quarter", q, "--metric", "balance", "--tiers", "10000,100000,1000000",
                                                     "--activity-column", "logins", "--dormant-months", "2",
                                                     "--tier-names", "T1 < 10k;T2 10k–100k;T3 100k–1M;T4 ≥ 1M"],
                  q == "2026Q3"),
        "kpis": ("kpis_foreign.json", "kpis.py", ["--quarter", q, "--activity-column", "logins"], q == "2026Q3"),
        # the fixture's activation is events:signin; the peer's funnel is months:logins>0 here: rerun
        "funnel": ("base_funnel_foreign.json", "base_funnel.py", ["--quarter", q, "--activation", "months:logins>0"],
                   False),
    })
    check_report()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
