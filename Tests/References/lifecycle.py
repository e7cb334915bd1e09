"""Independent reference implementation of the CampaignLab lifecycle of the base.

Definitions: /tmp/spec/lifecycle-spec.md ("CampaignLab lifecycle of the base - definitions
(v1)", plus its section "v2: an optional balance threshold for dormancy"), which reads activity as /tmp/spec/retention-spec.md does, on the data contract of
/work/shared/DOMAIN.md. Written from those texts and the pandas / numpy / statsmodels
documentation only; nothing is taken from the Swift sources in Sources/.

Run (from the repository root):
    python3 Tests/References/lifecycle.py --db datasets/demo-small.sqlite \
        --out Tests/References/lifecycle_demo_small.json
    python3 Tests/References/lifecycle.py --db datasets/demo-small.sqlite \
        --activity events:app_login,purchase --dormant-months 3 \
        --out Tests/References/lifecycle_demo_small_events.json
    python3 Tests/References/lifecycle.py --db datasets/foreign-ab.sqlite \
        --activity months:logins>0 --dormant-months 2 \
        --out Tests/References/lifecycle_foreign.json
    python3 Tests/References/lifecycle.py --db datasets/demo-small.sqlite \
        --dormant-balance 1000 --out Tests/References/lifecycle_demo_small_balance.json
Options: --activity months:COLUMN>0 | events:NAME,NAME (default months:app_logins>0, or
events:app_login when customer_months has no app_logins column - as retention.py);
--dormant-months N (default 6, must be >= 1); --zone +08:00 (reporting zone; 'UTC', 'Z',
+-HH:MM, +-HHMM); --dormant-balance B (v2: a finite number; dormancy also needs a low
balance, see below; default: none = v1, output unchanged byte for byte); --balance-metric
COLUMN of customer_months (v2: the balance compared with B, default aum; read only when
--dormant-balance is given); --out FILE.json (default stdout). The database is opened read-only.
The library versions are printed to stderr on every run; the reference files were made with
Python 3.11.7, numpy 2.4.6, pandas 2.3.3, statsmodels 0.15.0 (scipy 1.17.1 is imported by
retention.py). Requires: numpy, pandas, scipy, statsmodels, and retention.py in this folder.

Reading the data (customer ids, times, the activity rule, first / last / lastComplete,
orphan rows dropped before first/last) is retention.py's load(), imported from this folder
unchanged; see its docstring for the sources of each step.

Output JSON: {"source": db file name, "rule": activity rule, "first": 'YYYY-MM',
"last_complete": 'YYYY-MM', "dormant_months": N, [only with --dormant-balance:
"dormant_balance": B as a float, "balance_metric": COLUMN,] "lifecycle": [for each reported month m
ascending, for each state in the order mau, new, retained, returning, resurrected,
newly_dormant, dormant: {"period": 'YYYY-MM', "state", "customers", "rate", "low", "high",
"change_qoq", "change_yoy"}]}. Floats at full precision (json repr); null where no value.

Sources of each formula (lifecycle spec, quoted words):
- Months: month index = year*12 + month - 1 over first..lastComplete; activity outside that
  range (events: the incomplete month `last`) is not used. Reported months: first + N ..
  lastComplete (none when first + N > lastComplete).
- Over "customers of `customers`": customers with no activity count only as inactive.
- States for reported m: "active", "new", "retained", "resurrected", "returning",
  "newly_dormant", "dormant" exactly as written in the spec (see vectorized() and
  loop_based(); "ever(m)" is defined there but is not a reported state).
- Rates: retained(m)/MAU(m-1), resurrected(m)/dormant(m-1), newly_dormant(m)/MAU(m-N);
  95% Wilson = statsmodels.stats.proportion.proportion_confint(x, n, alpha=0.05,
  method='wilson'). mau, new, returning, dormant: rate/low/high null.
- MAU change (state mau only): change_qoq = MAU(m)/MAU(m-3) - 1 if m-3 >= first, change_yoy
  = MAU(m)/MAU(m-12) - 1 if m-12 >= first; MAU of months before first + N (not reported) is
  still computed from the data.
- Check: new + retained + returning + resurrected = MAU(m) (assert, every reported month).
- Check: a second, loop-based computation (per customer, per month, straight from the
  definitions with Python sets) must give identical counts, denominators and changes.
- v2 (--dormant-balance B): low(k, m) = no customer_months row (k, m), or its balance is
  NULL, or balance < B. dormant(m) = dormant0(m) and low(m), dormant0 being the v1
  dormant; newly_dormant(m) = dormant(m) and not dormant(m-1); resurrected(m) = active in m
  and dormant(m-1); returning(m) = active in m, inactive in m-1, active before m, not
  resurrected; mau, new, retained as v1. Rates in the same form: resurrected(m) /
  dormant(m-1), newly_dormant(m) / MAU(m-N), retained(m) / MAU(m-1). Both computations use
  these v2 sentences for every run (low = always true without B); without B the vectorized
  one also asserts that they equal the v1 sentences, count for count.

Choices where the spec is silent (kept explicit so a disagreement can be traced):
- A rate whose denominator is 0 is null with low/high null (0/0 is not a rate). This
  always happens for the resurrected rate of the first reported month: dormant(first+N-1)
  needs activity at a month <= first-1, i.e. before the data, so it is 0.
- change_qoq / change_yoy are null when the earlier MAU is 0 (warning on stderr).
- dormant(m-1) for the first reported m (m-1 = first+N-1, not itself reported) is computed
  from the definition over the data (it is 0, see above).
- --dormant-months 0 is refused (resurrected/returning would overlap, the identity breaks).
- Activity before a customer's opened_on still counts (the spec does not use opened_on).
- A customer first active in m >= first+N is new in m; one first active in the data's first
  month is never new in a reported month (left-censored, as the spec's "within the data").
- v2: the balance rows are customer_months rows of known customers (same id rule as the
  activity; orphans dropped), month 'YYYY-MM' as stored (no zone conversion; with an
  events activity rule the balance still comes from customer_months). A balance that
  pandas.to_numeric(errors='coerce') cannot read or that is not finite is read as NULL
  (counted on stderr; as tiers.py), hence low. Two rows for one customer and month: error.
- v2: "m-1 before the data's first month" never occurs for a reported m (m-1 >= first+N-1
  >= first); dormant(first+N-1) is computed from the definition (0 under v1, still 0 with
  B since dormant0 is 0 there).
- v2: newly_dormant(m) need not be a subset of the customers active in m-N (a customer long
  inactive whose balance falls below B in m is newly dormant in m), so newly_dormant(m) may
  exceed MAU(m-N). The rate is then still x / n as the spec writes it, but with no Wilson
  interval (low/high null; proportion_confint needs x <= n), with a warning on stderr.
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
from statsmodels.stats.proportion import proportion_confint

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import retention  # noqa: E402  (reading code: load(), month_label())

STATES = ["mau", "new", "retained", "returning", "resurrected", "newly_dormant", "dormant"]


def fail(msg):
    sys.exit(f"lifecycle.py: {msg}")


def load_high(db, cust_keys, metric, B):
    """v2: the (key, m) pairs whose balance is >= B (i.e. not low); everything else is low."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    cols = [r[1] for r in con.execute("PRAGMA table_info(customer_months)")]
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", metric) or metric not in cols:
        fail(f"--balance-metric: customer_months has no column {metric!r} (columns: {cols})")
    rows = pd.read_sql_query(f'SELECT customer_id, month, "{metric}" AS v FROM customer_months', con)
    con.close()
    rows["key"] = retention.keys(rows.customer_id)
    rows = rows[rows.key.isin(set(cust_keys))].reset_index(drop=True)
    mm = rows.month.astype(str).str.extract(r"^(\d{4})-(\d{2})$")
    bad = mm[0].isna() | ~pd.to_numeric(mm[1], errors="coerce").between(1, 12)
    if bad.any():
        i = int(bad.idxmax())
        fail(f"customer_months.month row {i}: not YYYY-MM: {rows.month.iloc[i]!r}")
    rows["m"] = retention.month_index(pd.to_numeric(mm[0]).astype("int64"),
                                      pd.to_numeric(mm[1]).astype("int64"))
    dup = rows.duplicated(["key", "m"])
    if dup.any():
        i = int(dup.idxmax())
        fail(f"customer_months: customer {rows.key.iloc[i]!r} has two rows for "
             f"{retention.month_label(int(rows.m.iloc[i]))}")
    val = pd.to_numeric(rows.v, errors="coerce").astype("float64")
    nonfinite = val.notna() & ~np.isfinite(val)
    unreadable = val.isna() & rows.v.notna()
    if unreadable.any() or nonfinite.any():
        print(f"lifecycle.py: {int(unreadable.sum() + nonfinite.sum())} {metric} values not "
              f"numbers / not finite, read as NULL", file=sys.stderr)
    val[nonfinite] = np.nan
    high = val.notna() & (val >= B)          # NaN >= B is False anyway; explicit for NULL
    return rows.loc[high, ["key", "m"]].reset_index(drop=True)


def vectorized(active, first, lc, N, high=None):
    """Counts per reported month from a customer x month 0/1 matrix and prefix sums.

    high: v2, a frame of (key, m) whose balance is >= B (None: v1, everyone low)."""
    T = lc - first + 1
    months = list(range(first, lc + 1))
    act = active[(active.m >= first) & (active.m <= lc)]
    wide = (pd.crosstab(act.key, act.m).reindex(columns=months, fill_value=0) > 0)
    A = wide.to_numpy(dtype=np.int64)                      # customers x T
    n = A.shape[0]
    S = np.concatenate([np.zeros((n, 1), np.int64), A.cumsum(axis=1)], axis=1)
    # S[:, k] = number of active months among month indices 0..k-1

    def win(lo, hi):
        """active months in indices lo..hi (inclusive), arrays over j; lo clipped at 0."""
        lo = np.maximum(lo, 0)
        return S[:, hi + 1] - S[:, lo]

    # low(k, m): v2 balance condition; customers never active are never dormant0, so the
    # rows of `wide` (customers with activity) are all that is needed.
    if high is None:
        L = np.ones_like(A, dtype=bool)
    else:
        h = high[(high.m >= first) & (high.m <= lc)]
        L = ~(pd.crosstab(h.key, h.m).reindex(index=wide.index, columns=months, fill_value=0)
              > 0).to_numpy()

    mau_all = A.sum(axis=0)                                 # MAU of every data month
    J = np.arange(N, T)                                     # reported month indices
    out = {"mau_all": {first + j: int(mau_all[j]) for j in range(T)}, "counts": {}, "den": {}}
    if len(J) == 0:
        return out
    a = A[:, J].astype(bool)
    prev = A[:, J - 1].astype(bool)
    before = S[:, J] > 0                                    # active in some month < m
    gap = win(J - N, J - 1) == 0                            # inactive in m-N .. m-1
    quiet = win(J - N + 1, J) == 0                          # inactive in m-N+1 .. m
    new = a & ~before
    ret = a & prev
    # v1 sentences
    res1 = a & before & gap
    rtn1 = a & ~prev & before & ~gap
    nd1 = A[:, J - N].astype(bool) & quiet
    dor1 = (S[:, J - N + 1] > 0) & quiet                    # active in some month <= m-N
    # dormant(m-1): active in some month <= m-1-N, inactive in m-N .. m-1
    dor1_prev = (S[:, J - N] > 0) & (win(J - N, J - 1) == 0)
    # v2 sentences: dormant = dormant0 and low; newly = dormant(m) and not dormant(m-1)
    dor = dor1 & L[:, J]
    dor_prev = dor1_prev & L[:, J - 1]
    nd = dor & ~dor_prev
    res = a & dor_prev
    rtn = a & ~prev & before & ~res
    if high is None:                                        # v2 with low = true is v1
        for x, y in ((dor, dor1), (dor_prev, dor1_prev), (nd, nd1), (res, res1), (rtn, rtn1)):
            assert np.array_equal(x, y)
    sums = {"mau": a.sum(0), "new": new.sum(0), "retained": ret.sum(0), "returning": rtn.sum(0),
            "resurrected": res.sum(0), "newly_dormant": nd.sum(0), "dormant": dor.sum(0)}
    dp = dor_prev.sum(0)
    for i, j in enumerate(J):
        m = first + j
        for s in STATES:
            out["counts"][(m, s)] = int(sums[s][i])
        out["den"][(m, "retained")] = int(mau_all[j - 1])
        out["den"][(m, "resurrected")] = int(dp[i])
        out["den"][(m, "newly_dormant")] = int(mau_all[j - N])
    return out


def loop_based(cust_keys, active, first, lc, N, high=None):
    """The same counts, per customer and per month, straight from the spec's sentences."""
    high_set = set() if high is None else set(zip(high.key, (int(m) for m in high.m)))
    months_of = {}
    for k, m in zip(active.key, active.m):
        m = int(m)
        if first <= m <= lc:                                # "within the data"
            months_of.setdefault(k, set()).add(m)
    per = [(k, months_of.get(k, set())) for k in cust_keys]  # every customer of `customers`

    def is_active(s, m):
        return m in s

    def mau(m):
        return sum(1 for _, s in per if is_active(s, m))

    def low(k, m):
        # v2: no row, NULL, or balance < B (without B: always true)
        return (k, m) not in high_set

    def dormant(k, s, m):
        # active in some month <= m-N and inactive in each of m-N+1 .. m; v2: and low(m)
        if m < first:
            return False
        return (any(x <= m - N for x in s)
                and all(not is_active(s, j) for j in range(m - N + 1, m + 1))
                and low(k, m))

    out = {"mau_all": {m: mau(m) for m in range(first, lc + 1)}, "counts": {}, "den": {}}
    for m in range(first + N, lc + 1):
        c = dict.fromkeys(STATES, 0)
        dormant_prev = 0
        for k, s in per:
            act = is_active(s, m)
            ever_before = any(x < m for x in s)
            d_now, d_prev = dormant(k, s, m), dormant(k, s, m - 1)
            resurrected = act and d_prev
            c["mau"] += act
            c["new"] += act and not ever_before
            c["retained"] += act and is_active(s, m - 1)
            c["resurrected"] += resurrected
            c["returning"] += act and not is_active(s, m - 1) and ever_before and not resurrected
            c["newly_dormant"] += d_now and not d_prev
            c["dormant"] += d_now
            dormant_prev += d_prev
        for st in STATES:
            out["counts"][(m, st)] = int(c[st])
        out["den"][(m, "retained")] = mau(m - 1)
        out["den"][(m, "resurrected")] = dormant_prev
        out["den"][(m, "newly_dormant")] = mau(m - N)
    return out


def wilson(x, n):
    lo, hi = proportion_confint(x, n, alpha=0.05, method="wilson")
    return float(lo), float(hi)


def change(mau_all, m, back, first, warn):
    if m - back < first:
        return None
    base = mau_all[m - back]
    if base == 0:
        if warn:
            print(f"lifecycle.py: MAU({retention.month_label(m - back)}) = 0; change null", file=sys.stderr)
        return None
    return mau_all[m] / base - 1


def records(res, first, lc, N, warn=True):
    out = []
    for m in range(first + N, lc + 1):
        for s in STATES:
            x = res["counts"][(m, s)]
            rec = {"period": retention.month_label(m), "state": s, "customers": x, "rate": None,
                   "low": None, "high": None, "change_qoq": None, "change_yoy": None}
            if (m, s) in res["den"]:
                n = res["den"][(m, s)]
                assert 0 <= x and (x <= n or s == "newly_dormant"), (m, s, x, n)
                if n > 0:
                    rec["rate"] = x / n
                    if x <= n:
                        rec["low"], rec["high"] = wilson(x, n)
                    elif warn:
                        print(f"lifecycle.py: newly_dormant {retention.month_label(m)}: {x} > "
                              f"MAU(m-N) = {n}; rate without interval", file=sys.stderr)
            if s == "mau":
                rec["change_qoq"] = change(res["mau_all"], m, 3, first, warn)
                rec["change_yoy"] = change(res["mau_all"], m, 12, first, warn)
            out.append(rec)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--activity", default=None)
    ap.add_argument("--dormant-months", type=int, default=6)
    ap.add_argument("--zone", default="+08:00")
    ap.add_argument("--dormant-balance", type=float, default=None)
    ap.add_argument("--balance-metric", default="aum")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"scipy {scipy.__version__}, statsmodels {statsmodels.__version__}", file=sys.stderr)
    N = args.dormant_months
    if N < 1:
        fail("--dormant-months must be >= 1")

    Bd = args.dormant_balance
    if Bd is not None and not math.isfinite(Bd):
        fail("--dormant-balance must be a finite number")

    con, cust, active, first, lc, rule = retention.load(args)
    con.close()
    high = None if Bd is None else load_high(args.db, list(cust.key), args.balance_metric, Bd)

    vec = vectorized(active, first, lc, N, high)
    slow = loop_based(list(cust.key), active, first, lc, N, high)
    if vec != slow:
        diffs = [(k, vec["counts"].get(k), slow["counts"].get(k)) for k in
                 set(vec["counts"]) | set(slow["counts"]) if vec["counts"].get(k) != slow["counts"].get(k)]
        fail(f"vectorized and loop-based computations disagree: {sorted(diffs)[:10]} "
             f"(den equal: {vec['den'] == slow['den']}, mau equal: {vec['mau_all'] == slow['mau_all']})")
    for m in range(first + N, lc + 1):
        c = vec["counts"]
        assert c[(m, "new")] + c[(m, "retained")] + c[(m, "returning")] + c[(m, "resurrected")] \
            == c[(m, "mau")], f"identity fails in {retention.month_label(m)}"
        assert c[(m, "newly_dormant")] <= c[(m, "dormant")]
        assert c[(m, "resurrected")] <= slow["den"][(m, "resurrected")]
    recs = records(vec, first, lc, N)
    assert recs == records(slow, first, lc, N, warn=False)
    if first + N > lc:
        print("lifecycle.py: no month to report (first + N > lastComplete)", file=sys.stderr)
    print(f"lifecycle.py: {len(cust)} customers, months {retention.month_label(first)}.."
          f"{retention.month_label(lc)}, N = {N}, {max(0, lc - first - N + 1)} months reported; "
          f"vectorized == loop-based, identity holds"
          + ("" if Bd is None else f"; dormant needs {args.balance_metric} < {Bd:g} or none"),
          file=sys.stderr)

    out = {"source": os.path.basename(args.db), "rule": rule, "first": retention.month_label(first),
           "last_complete": retention.month_label(lc), "dormant_months": N}
    if Bd is not None:
        out.update(dormant_balance=Bd, balance_metric=args.balance_metric)
    out["lifecycle"] = recs
    text = json.dumps(out, indent=1, allow_nan=False)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
