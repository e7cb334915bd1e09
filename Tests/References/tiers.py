"""Independent reference implementation of CampaignLab tiers and tier migration.

Definitions: /tmp/spec/tiers-spec.md ("CampaignLab tiers and migration - definitions (v1)",
plus its section "v2: an optional balance threshold for dormancy") on the data contract of /work/shared/DOMAIN.md. Written from those two texts and the
pandas / numpy / statsmodels / scipy documentation only; nothing is taken from the Swift
sources in Sources/ (the point of this file is independence).

Run (from the repository root):
    python3 Tests/References/tiers.py --db datasets/demo-small.sqlite --quarter 2026Q3 \
        --out Tests/References/tiers_demo_small.json
    python3 Tests/References/tiers.py --db datasets/foreign-ab.sqlite --quarter 2026Q3 \
        --metric balance --tiers 10000,100000,1000000 --activity-column logins \
        --dormant-months 2 --tier-names 'T1 < 10k;T2 10k–100k;T3 100k–1M;T4 ≥ 1M' \
        --out Tests/References/tiers_foreign.json
    python3 Tests/References/tiers.py --db datasets/demo-small.sqlite --quarter 2026Q3 \
        --dormant-balance 1000 --out Tests/References/tiers_demo_small_balance.json
Options: --quarter YYYYQn (required; 'YYYY-Qn' also read); --metric COLUMN of
customer_months (default aum); --tiers B1,B2,... strictly increasing boundaries (default
50000,500000,6000000); --activity-column COLUMN of customer_months (default app_logins;
active = value > 0); --dormant-months N (default 6, >= 1); --tier-names 'A;B;...' (one name
per tier, ';'-separated, replaces the names below; default: see "Tier names");
--dormant-balance B (v2: a finite number; 'Dormant' also needs the metric at t to be < B
or NULL; default: none = v1, output unchanged byte for byte); --out FILE.json (default
stdout).
The database is opened read-only (sqlite3 URI mode=ro).
The library versions are printed to stderr on every run; the reference files were made with
Python 3.11.7, numpy 2.4.6, pandas 2.3.3, scipy 1.17.1, statsmodels 0.15.0.
Requires: numpy, pandas, scipy, statsmodels.

Output JSON: {"source": db file name, "quarter": 'YYYYQn', "tiers": [per tier in order:
{"tier", "customers", "amount", "customer_share", "amount_share"}], "migration": [records
{"from_tier", "to_tier", "customers", "share", "low", "high"} for s = e(Q-1), t = e(Q)],
"net_upgrade": {"estimate", "se", "low", "high", "p_value", "up", "down", "n"},
"year_earlier": {the same fields for s = e(Q-5), t = e(Q-4), plus "matrix": [records]} or
null, "change": {"estimate", "se", "low", "high", "p_value"} or null, and only with
--dormant-balance: "dormant_balance": B as a float}. Floats at full precision (json repr);
null where there is no value.

Sources of each formula (spec sentence in quotes)
- Customer ids ("matched as stored", DOMAIN.md: INTEGER or TEXT): one key per value: an
  INTEGER, or a REAL / TEXT whose value is an integer (17, 17.0, '17', '17.0'), becomes
  '17'; any other TEXT is kept verbatim; any other REAL is repr(float). Same rule as
  retention.py in this folder. Two customer_months rows with the same key and month are an
  error (named), as are two customers with the same key.
- Months: 'YYYY-MM' -> index year*12 + month - 1. Quarter YYYYQn: e(Q) = the index of
  YYYY-(3n); e(Q-1) = e(Q) - 3, e(Q-5) = e(Q) - 15, e(Q-4) = e(Q) - 12.
- "tier of a value v = the number of boundaries <= v": numpy.searchsorted(B, v,
  side='right'). "A NULL value has no tier": SQL NULL, and also a stored value that
  pandas.to_numeric(errors='coerce') cannot read (a word) or a non-finite REAL (counted and
  reported on stderr).
- "Customers: every row of customers": customer_months rows whose key is not a customer
  are dropped before anything else (count on stderr) - also for first/lastComplete.
- "Tier table": customers with a snapshot at e(Q) and a non-NULL metric, grouped by tier;
  amount = sum of the metric; customer_share = customers / all such customers,
  amount_share = amount / sum over all tiers (null when the denominator is 0).
- "Activity": active(k, m) = pandas.to_numeric(activity column, errors='coerce') > 0 on
  the row (k, m); no row, NULL or a word -> not active. first = min month, lastComplete =
  max month over all customer_months rows of known customers. Dormant(k, m) = m <=
  lastComplete and m - N >= first and not active in any of m-N+1 .. m (literally; a
  customer never active at all is dormant too).
- "Migration": exactly the spec's row / column rules in that order (row NULL -> out;
  no snapshot at t -> closed, unless the customer has one in t+1 .. t+12 (a gap: left out); snapshot at s and dormant at t -> dormant, even if the metric
  at t is NULL; else the tier at t, NULL -> out). Row shares = count / row total; 95%
  Wilson = statsmodels.stats.proportion.proportion_confint(count, row total, alpha=0.05,
  method='wilson'). Records for rows with >= 1 customer, rows tiers then New, columns
  tiers then Dormant then Closed (a New -> Dormant cell is always 0 and still written).
- "Net upgrade rate": over customers with a tier in both row and column: up, down, n;
  estimate = (up - down)/n; se = sqrt((p_up + p_down - (p_up - p_down)^2)/n); interval
  estimate -+ 1.959963984540054 * se; p = 2 * scipy.stats.norm.sf(|estimate / se|).
- "Change": estimate = net(this) - net(year earlier), se = sqrt(se1^2 + se2^2), same
  interval and p.
- Check: a second, loop-based computation (per customer, with Python dicts and sets,
  straight from the spec's sentences) must give identical counts (assert).
- v2 (--dormant-balance B): column 'dormant' needs, besides the v1 conditions, the metric
  (--metric, "the tier metric") at t to be < B or NULL; a customer dormant by activity with
  metric >= B at t gets its tier at t. Applied to both migrations (this quarter's t = e(Q)
  and the year-earlier t = e(Q-4)); rows, the tier table, closed and gaps are unchanged.

Choices where the spec is silent (kept explicit so a disagreement can be traced):
- The quarter must be inside the data: e(Q-1) >= first and e(Q) <= lastComplete, else an
  error (a start month before the data would make everyone 'New').
- year_earlier is null when e(Q-5) < first (the year-earlier start month is before the
  data); change is null then too. If year_earlier exists but n = 0, its net fields
  are null (up/down/n 0) and change is null.
- se = 0 with n > 0 (all up, all down or all unchanged): interval [estimate, estimate], p = 1
  if estimate = 0 else 0. Same rule for the change.
- Tier names: for B = [50000, 500000, 6000000] the spec's names; for other boundaries
  'T1 < ¥b1', 'T2 ¥b1–b2', ..., 'Tk ≥ ¥b(k-1)' with amounts written as 10k, 1M, 1.5M, 750
  (>= 1e6 in M, >= 1e3 in k, %g). The Swift binary (checked with its debug build) writes
  'T1 < 10k', 'T2 10k–100k', ... for the foreign metric (unit INR, no '¥'); the fixture
  tiers_foreign.json has those names, made with --tier-names (see "Run" above), which
  reproduces any other naming.
- Negative metric values are tier 0 (number of boundaries <= v is 0) and count in amount.
- v2: a metric value that cannot be read or is not finite is NULL (as everywhere here), so
  it does not block 'dormant'. The threshold B is independent of the tier boundaries.
"""
import argparse
import json
import math
import os
import re
import sqlite3
import sys

import numpy as np
import pandas as pd
import scipy
import statsmodels
from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from retention import customer_key  # noqa: E402  (one id rule for every reference script)

Z = 1.959963984540054
STANDARD_B = [50000.0, 500000.0, 6000000.0]
STANDARD_NAMES = ["Mass (< ¥50k)", "Affluent (¥50k–500k)", "Wealth (¥500k–6M)", "Private (≥ ¥6M)"]
IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def fail(msg):
    sys.exit(f"tiers.py: {msg}")


def month_label(m):
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def quarter_label(e):
    """last-month index -> 'YYYYQn'."""
    return f"{e // 12:04d}Q{(e % 12) // 3 + 1}"


def parse_quarter(s):
    m = re.fullmatch(r"\s*(\d{4})-?[Qq]([1-4])\s*", s)
    if not m:
        fail(f"--quarter: expected YYYYQn, got {s!r}")
    return int(m.group(1)) * 12 + int(m.group(2)) * 3 - 1


def amount_label(v):
    if abs(v) >= 1e6:
        return f"{v / 1e6:g}M"
    if abs(v) >= 1e3:
        return f"{v / 1e3:g}k"
    return f"{v:g}"


def tier_names(B):
    if list(B) == STANDARD_B:
        return list(STANDARD_NAMES)
    names = [f"T1 < ¥{amount_label(B[0])}"]
    for i in range(1, len(B)):
        names.append(f"T{i + 1} ¥{amount_label(B[i - 1])}–{amount_label(B[i])}")
    names.append(f"T{len(B) + 1} ≥ ¥{amount_label(B[-1])}")
    return names


def load(args):
    if not os.path.exists(args.db):
        fail(f"no such file {args.db}")
    con = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    cols = [r[1] for r in con.execute("PRAGMA table_info(customer_months)")]
    for what, c in (("--metric", args.metric), ("--activity-column", args.activity_column)):
        if not IDENT_RE.match(c) or c not in cols:
            fail(f"{what}: customer_months has no column {c!r} (columns: {cols})")
    cust = pd.read_sql_query("SELECT customer_id FROM customers", con)
    cust["key"] = cust.customer_id.map(customer_key)
    if cust.key.isna().any():
        fail(f"customers.customer_id row {int(cust.key.isna().idxmax())}: NULL id")
    if cust.key.duplicated().any():
        fail(f"customers.customer_id {cust.key[cust.key.duplicated()].iloc[0]!r} appears twice")
    rows = pd.read_sql_query(
        f'SELECT customer_id, month, "{args.metric}" AS v, "{args.activity_column}" AS a '
        f"FROM customer_months", con)
    con.close()
    rows["key"] = rows.customer_id.map(customer_key)
    orphan = ~rows.key.isin(set(cust.key))
    if orphan.any():
        print(f"tiers.py: {int(orphan.sum())} customer_months rows of customers not in "
              f"`customers` ignored", file=sys.stderr)
    rows = rows[~orphan].reset_index(drop=True)
    if rows.empty:
        fail("customer_months has no rows of known customers")
    mm = rows.month.astype(str).str.extract(r"^(\d{4})-(\d{2})$")
    bad = mm[0].isna() | ~pd.to_numeric(mm[1], errors="coerce").between(1, 12)
    if bad.any():
        i = int(bad.idxmax())
        fail(f"customer_months.month row {i}: not YYYY-MM: {rows.month.iloc[i]!r}")
    rows["m"] = pd.to_numeric(mm[0]).astype("int64") * 12 + pd.to_numeric(mm[1]).astype("int64") - 1
    dup = rows.duplicated(["key", "m"])
    if dup.any():
        i = int(dup.idxmax())
        fail(f"customer_months: customer {rows.key.iloc[i]!r} has two rows for {month_label(rows.m.iloc[i])}")
    val = pd.to_numeric(rows.v, errors="coerce").astype("float64")
    unreadable = val.isna() & rows.v.notna()
    nonfinite = ~np.isfinite(val) & val.notna()
    if unreadable.any() or nonfinite.any():
        print(f"tiers.py: {int(unreadable.sum() + nonfinite.sum())} {args.metric} values not "
              f"numbers / not finite, read as NULL", file=sys.stderr)
    val[nonfinite] = np.nan
    rows["val"] = val
    rows["active"] = pd.to_numeric(rows.a, errors="coerce") > 0
    return list(cust.key), rows[["key", "m", "val", "active"]]


# ---------------------------------------------------------------- vectorized (pandas)

def migration_vec(rows, B, s, t, N, first, lc, Bd=None):
    """Per-customer (row, column) as tier ints or 'new' / 'dormant' / 'closed'."""
    at_s = rows[rows.m == s].set_index("key").val
    at_t = rows[rows.m == t].set_index("key").val
    keys = at_s.index.union(at_t.index)
    df = pd.DataFrame(index=keys)
    df["has_s"] = df.index.isin(at_s.index)
    df["has_t"] = df.index.isin(at_t.index)
    df["vs"] = at_s.reindex(keys)
    df["vt"] = at_t.reindex(keys)
    # dormant at t: t <= lc, t - N >= first, no active month in t-N+1 .. t
    act = rows[rows.active & (rows.m >= t - N + 1) & (rows.m <= t)].key.unique()
    can_be_dormant = (t <= lc) and (t - N >= first)
    df["dormant_t"] = can_be_dormant & ~df.index.isin(act)
    if Bd is not None:                                                # v2: and low balance at t
        df["dormant_t"] = df.dormant_t & (df.vt.isna() | (df.vt < Bd))
    out = df[~(df.has_s & df.vs.isna())].copy()                      # row NULL -> out
    out["row"] = np.where(out.has_s, np.searchsorted(B, out.vs.fillna(0).to_numpy(), side="right"), -1)
    col = np.where(~out.has_t, -3,                                   # closed
                   np.where(out.has_s & out.dormant_t, -2,           # dormant
                            np.searchsorted(B, out.vt.fillna(0).to_numpy(), side="right")))
    out["col"] = col
    out = out[~((out.col >= 0) & out.vt.isna())]                     # column NULL -> out
    # A gap, not a closed account: no row at t but one in t+1 .. t+12 -> left out.
    later = rows[(rows.m > t) & (rows.m <= t + 12)].key.unique()
    out = out[~((out.col == -3) & out.index.isin(later))]
    return out[["row", "col"]]


def tier_table_vec(rows, B, t, names):
    x = rows[(rows.m == t) & rows.val.notna()].copy()
    x["tier"] = np.searchsorted(B, x.val.to_numpy(), side="right")
    g = x.groupby("tier").val.agg(["size", "sum"]).reindex(range(len(names)), fill_value=0)
    n_tot, a_tot = int(g["size"].sum()), float(x.val.sum())
    out = []
    for i, name in enumerate(names):
        c, a = int(g["size"].iloc[i]), float(g["sum"].iloc[i])
        out.append({"tier": name, "customers": c, "amount": a,
                    "customer_share": c / n_tot if n_tot else None,
                    "amount_share": a / a_tot if a_tot != 0 else None})
    return out


# ---------------------------------------------------------------- loop-based check

def migration_loop(cust_keys, rows, B, s, t, N, first, lc, Bd=None):
    snap = {}
    active = set()
    for k, m, v, a in zip(rows.key, rows.m, rows.val, rows.active):
        snap[(k, int(m))] = None if pd.isna(v) else float(v)
        if a:
            active.add((k, int(m)))

    def tier(v):
        return sum(1 for b in B if b <= v)

    def dormant(k, m):
        by_activity = m <= lc and m - N >= first and all((k, j) not in active for j in range(m - N + 1, m + 1))
        if Bd is None or not by_activity:
            return by_activity
        v = snap.get((k, m))                                          # v2: < B or NULL at m
        return v is None or v < Bd

    cells = {}
    for k in cust_keys:
        hs, ht = (k, s) in snap, (k, t) in snap
        if not (hs or ht):
            continue
        if hs:
            if snap[(k, s)] is None:
                continue
            r = tier(snap[(k, s)])
        else:
            r = -1
        if not ht:
            if any((k, j) in snap for j in range(t + 1, t + 13)):
                continue                                              # a gap: left out
            c = -3
        elif hs and dormant(k, t):
            c = -2
        else:
            if snap[(k, t)] is None:
                continue
            c = tier(snap[(k, t)])
        cells[(r, c)] = cells.get((r, c), 0) + 1
    return cells


# ---------------------------------------------------------------- statistics

def normal_summary(est, se):
    if se > 0:
        return est - Z * se, est + Z * se, float(2 * norm.sf(abs(est / se)))
    return est, est, 1.0 if est == 0 else 0.0


def net_upgrade(cells, k):
    up = sum(v for (r, c), v in cells.items() if r >= 0 and c >= 0 and c > r)
    down = sum(v for (r, c), v in cells.items() if r >= 0 and c >= 0 and c < r)
    n = sum(v for (r, c), v in cells.items() if r >= 0 and c >= 0)
    res = {"estimate": None, "se": None, "low": None, "high": None, "p_value": None,
           "up": up, "down": down, "n": n}
    if n == 0:
        return res
    pu, pd_ = up / n, down / n
    est = (up - down) / n
    se = math.sqrt(max(pu + pd_ - (pu - pd_) ** 2, 0.0) / n)
    lo, hi, p = normal_summary(est, se)
    res.update(estimate=est, se=se, low=lo, high=hi, p_value=p)
    return res


def matrix_records(cells, names):
    k = len(names)
    rows_order = list(range(k)) + [-1]
    cols_order = list(range(k)) + [-2, -3]
    label = {i: names[i] for i in range(k)}
    label.update({-1: "New", -2: "Dormant", -3: "Closed"})
    out = []
    for r in rows_order:
        tot = sum(cells.get((r, c), 0) for c in cols_order)
        if tot == 0:
            continue
        for c in cols_order:
            x = cells.get((r, c), 0)
            lo, hi = proportion_confint(x, tot, alpha=0.05, method="wilson")
            out.append({"from_tier": label[r], "to_tier": label[c], "customers": int(x),
                        "share": x / tot, "low": float(lo), "high": float(hi)})
    return out


def migration(cust_keys, rows, B, s, t, N, first, lc, names, Bd=None):
    df = migration_vec(rows, B, s, t, N, first, lc, Bd)
    cells = {(int(r), int(c)): int(v) for (r, c), v in df.groupby(["row", "col"]).size().items()}
    slow = migration_loop(cust_keys, rows, B, s, t, N, first, lc, Bd)
    if cells != slow:
        fail(f"vectorized and loop-based migrations disagree for {month_label(s)} -> "
             f"{month_label(t)}: {cells} vs {slow}")
    assert all(c != -2 for (r, c) in cells if r == -1)
    return cells, matrix_records(cells, names), net_upgrade(cells, len(names))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--quarter", required=True)
    ap.add_argument("--metric", default="aum")
    ap.add_argument("--tiers", default="50000,500000,6000000")
    ap.add_argument("--activity-column", default="app_logins")
    ap.add_argument("--dormant-months", type=int, default=6)
    ap.add_argument("--tier-names", default=None)
    ap.add_argument("--dormant-balance", type=float, default=None)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"scipy {scipy.__version__}, statsmodels {statsmodels.__version__}", file=sys.stderr)
    try:
        B = [float(x) for x in args.tiers.split(",") if x.strip()]
    except ValueError:
        fail(f"--tiers: not numbers: {args.tiers!r}")
    if not B or any(not math.isfinite(b) for b in B) or any(b2 <= b1 for b1, b2 in zip(B, B[1:])):
        fail(f"--tiers: need strictly increasing finite boundaries, got {args.tiers!r}")
    N = args.dormant_months
    if N < 1:
        fail("--dormant-months must be >= 1")
    Bd = args.dormant_balance
    if Bd is not None and not math.isfinite(Bd):
        fail("--dormant-balance must be a finite number")
    names = tier_names(B)
    if args.tier_names is not None:
        names = [x.strip() for x in args.tier_names.split(";")]
        if len(names) != len(B) + 1 or len(set(names)) != len(names) or \
                set(names) & {"New", "Dormant", "Closed"}:
            fail(f"--tier-names: need {len(B) + 1} distinct names (not New/Dormant/Closed)")
    Bn = np.array(B)
    t = parse_quarter(args.quarter)
    s = t - 3

    cust_keys, rows = load(args)
    first, lc = int(rows.m.min()), int(rows.m.max())
    if s < first or t > lc:
        fail(f"quarter {quarter_label(t)} needs months {month_label(s)} and {month_label(t)}; "
             f"the data has {month_label(first)}..{month_label(lc)}")

    table = tier_table_vec(rows, Bn, t, names)
    cells, recs, net = migration(cust_keys, rows, Bn, s, t, N, first, lc, names, Bd)
    year, change = None, None
    if s - 12 >= first:
        _, recs_y, net_y = migration(cust_keys, rows, Bn, s - 12, t - 12, N, first, lc, names, Bd)
        year = dict(net_y, matrix=recs_y)
        if net["estimate"] is not None and net_y["estimate"] is not None:
            est = net["estimate"] - net_y["estimate"]
            se = math.sqrt(net["se"] ** 2 + net_y["se"] ** 2)
            lo, hi, p = normal_summary(est, se)
            change = {"estimate": est, "se": se, "low": lo, "high": hi, "p_value": p}
    else:
        print(f"tiers.py: {month_label(s - 12)} is before the data ({month_label(first)}); "
              f"year_earlier and change null", file=sys.stderr)
    print(f"tiers.py: months {month_label(first)}..{month_label(lc)}, quarter "
          f"{quarter_label(t)} ({month_label(s)} -> {month_label(t)}), N = {N}, "
          f"{sum(cells.values())} customers in the migration; vectorized == loop-based"
          + ("" if Bd is None else f"; dormant needs {args.metric} < {Bd:g} or NULL"),
          file=sys.stderr)

    out = {"source": os.path.basename(args.db), "quarter": quarter_label(t), "tiers": table,
           "migration": recs, "net_upgrade": net, "year_earlier": year, "change": change}
    if Bd is not None:
        out["dormant_balance"] = Bd
    text = json.dumps(out, indent=1, ensure_ascii=False, allow_nan=False)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
