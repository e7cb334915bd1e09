"""Independent reference implementation of the CampaignLab lifecycle of the base.

Definitions: /tmp/spec/lifecycle-spec.md ("CampaignLab lifecycle of the base - definitions
(v1)"), which reads activity as /tmp/spec/retention-spec.md does, on the data contract of
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
Options: --activity months:COLUMN>0 | events:NAME,NAME (default months:app_logins>0, or
events:app_login when customer_months has no app_logins column - as retention.py);
--dormant-months N (default 6, must be >= 1); --zone +08:00 (reporting zone; 'UTC', 'Z',
+-HH:MM, +-HHMM); --out FILE.json (default stdout). The database is opened read-only.
The library versions are printed to stderr on every run; the reference files were made with
Python 3.11.7, numpy 2.4.6, pandas 2.3.3, statsmodels 0.15.0 (scipy 1.17.1 is imported by
retention.py). Requires: numpy, pandas, scipy, statsmodels, and retention.py in this folder.

Reading the data (customer ids, times, the activity rule, first / last / lastComplete,
orphan rows dropped before first/last) is retention.py's load(), imported from this folder
unchanged; see its docstring for the sources of each step.

Output JSON: {"source": db file name, "rule": activity rule, "first": 'YYYY-MM',
"last_complete": 'YYYY-MM', "dormant_months": N, "lifecycle": [for each reported month m
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
"""
import argparse
import json
import os
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


def vectorized(active, first, lc, N):
    """Counts per reported month from a customer x month 0/1 matrix and prefix sums."""
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
    res = a & before & gap
    rtn = a & ~prev & before & ~gap
    nd = A[:, J - N].astype(bool) & quiet
    dor = (S[:, J - N + 1] > 0) & quiet                     # active in some month <= m-N
    # dormant(m-1): active in some month <= m-1-N, inactive in m-N .. m-1
    dor_prev = (S[:, J - N] > 0) & (win(J - N, J - 1) == 0)
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


def loop_based(cust_keys, active, first, lc, N):
    """The same counts, per customer and per month, straight from the spec's sentences."""
    months_of = {}
    for k, m in zip(active.key, active.m):
        m = int(m)
        if first <= m <= lc:                                # "within the data"
            months_of.setdefault(k, set()).add(m)
    per = [months_of.get(k, set()) for k in cust_keys]      # every customer of `customers`

    def is_active(s, m):
        return m in s

    def mau(m):
        return sum(1 for s in per if is_active(s, m))

    def dormant(s, m):
        # active in some month <= m-N and inactive in each of m-N+1 .. m
        return (any(x <= m - N for x in s)
                and all(not is_active(s, k) for k in range(m - N + 1, m + 1)))

    out = {"mau_all": {m: mau(m) for m in range(first, lc + 1)}, "counts": {}, "den": {}}
    for m in range(first + N, lc + 1):
        c = dict.fromkeys(STATES, 0)
        dormant_prev = 0
        for s in per:
            act = is_active(s, m)
            ever_before = any(x < m for x in s)
            was_dormant = all(not is_active(s, k) for k in range(m - N, m))
            resurrected = act and ever_before and was_dormant
            c["mau"] += act
            c["new"] += act and not ever_before
            c["retained"] += act and is_active(s, m - 1)
            c["resurrected"] += resurrected
            c["returning"] += act and not is_active(s, m - 1) and ever_before and not resurrected
            c["newly_dormant"] += (is_active(s, m - N)
                                   and all(not is_active(s, k) for k in range(m - N + 1, m + 1)))
            c["dormant"] += dormant(s, m)
            dormant_prev += dormant(s, m - 1)
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
                assert 0 <= x <= n, (m, s, x, n)
                if n > 0:
                    rec["rate"] = x / n
                    rec["low"], rec["high"] = wilson(x, n)
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
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"scipy {scipy.__version__}, statsmodels {statsmodels.__version__}", file=sys.stderr)
    N = args.dormant_months
    if N < 1:
        fail("--dormant-months must be >= 1")

    con, cust, active, first, lc, rule = retention.load(args)
    con.close()

    vec = vectorized(active, first, lc, N)
    slow = loop_based(list(cust.key), active, first, lc, N)
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
          f"vectorized == loop-based, identity holds", file=sys.stderr)

    out = {"source": os.path.basename(args.db), "rule": rule, "first": retention.month_label(first),
           "last_complete": retention.month_label(lc), "dormant_months": N, "lifecycle": recs}
    text = json.dumps(out, indent=1, allow_nan=False)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
