"""Independent reference implementation of CampaignLab cohort retention.

Definitions: /tmp/spec/retention-spec.md ("CampaignLab cohort retention - definitions (v1)")
on the data contract of /work/shared/DOMAIN.md. Written from those two texts and the
pandas / numpy / statsmodels / scipy documentation only; nothing is taken from the Swift
sources in Sources/ (the point of this file is independence).

Run (from the repository root):
    python3 Tests/References/retention.py --db datasets/demo-small.sqlite \
        --out Tests/References/retention_demo_small.json
    python3 Tests/References/retention.py --db datasets/demo-small.sqlite \
        --cohort first-activity --activity events:app_login,purchase --period quarter \
        --mode on-or-after --out Tests/References/retention_demo_small_first_quarter.json
    python3 Tests/References/retention.py --db datasets/foreign-ab.sqlite \
        --cohort first-activity --activity events:visit,order --mode on-or-after \
        --out Tests/References/retention_foreign.json
Options: --cohort opened|first-activity (default opened);
--activity months:COLUMN>0 | events:NAME,NAME (default months:app_logins>0, or
events:app_login when customer_months has no app_logins column); --period month|quarter
(default month); --mode on|on-or-after (default on); --periods K (default 12 months /
8 quarters); --cohorts FROM..TO (months 'YYYY-MM'); --compare A,B (months 'YYYY-MM' of two
cohorts; default: see below); --zone +08:00 (reporting zone; 'UTC', 'Z', +-HH:MM, +-HHMM);
--out FILE.json (default stdout). The database is opened read-only (sqlite3 URI mode=ro).
The library versions are printed to stderr on every run; the reference files were made with
Python 3.11.7, numpy 2.4.6, pandas 2.3.3, scipy 1.17.1, statsmodels 0.15.0.
Requires: numpy, pandas, scipy, statsmodels.

Output JSON: {"source": db file name, "rule": activity rule, "first": 'YYYY-MM',
"last_complete": 'YYYY-MM', "cohorts": [labels shown], "retention": [one record per cell
(cohort, period, mode, cohort_size, retained, rate, low, high, mature) in cohort then
period order, then the mean rows with cohort 'all'], "comparison": {"a", "b", "rows":
[{"period", "estimate", "low", "high", "p_value", "p_adjusted"}]} or null}. Floats are
written at full precision (json repr); immature cells have retained/rate/low/high null.

Sources of each formula (spec section in quotes)
- Customer ids ("matched as stored"): a key per value: an INTEGER, or a REAL / TEXT whose
  value is an integer (17, 17.0, '17', '17.0'), becomes the decimal integer '17'; any other
  TEXT is kept verbatim (no trimming, case-sensitive); any other REAL is repr(float).
- Times (DOMAIN.md events.occurred_at): parsed here with a regex: 'YYYY-MM-DD', then
  optionally ' ' or 'T' and HH:MM[:SS[.fraction]], then optionally 'Z' or +-HH[:MM].
  A naive time is local to the reporting zone; one with an offset is moved to UTC (minus
  the offset) and then to the zone (plus the zone offset). Only the local calendar date is
  used, and since offsets are whole minutes the seconds/fraction cannot change it.
- "Activity rule": months -> a (customer, month) row with pandas.to_numeric(COLUMN,
  errors='coerce') > 0 (NULL / a word -> NaN -> not active); events -> any event of those
  names whose local date falls in the month. Rows of customers not in `customers` are
  dropped before anything else (their count is printed to stderr).
- "Data months": first/last = min/max month over every row of the activity source (months:
  every customer_months row, active or not; events: every event of those names) of known
  customers; lastComplete = last - 1 for events when the latest event's local date is
  before the last day of `last`.
- "Period": month index m = year*12 + month - 1, period = m // unit (unit 1 or 3);
  firstPeriod = ceil(first / unit) (first period all of whose months are >= first);
  lastPeriod = (lastComplete + 1) // unit - 1 (last period all of whose months are
  <= lastComplete).
- "Cohort": opened -> period of the month of customers.opened_on (its 'YYYY-MM-DD' date,
  no zone conversion); first-activity -> period of the first active month (over all the
  activity data). Shown: low..high as in the spec; the others are dropped everywhere.
- "Cell": size = customers of the cohort; mature iff c + k <= lastPeriod; on -> active in
  a month of period c+k; on-or-after -> the customer's last active period <= lastPeriod is
  >= c+k. Rate = retained/size (null when size = 0).
- Wilson interval: statsmodels.stats.proportion.proportion_confint(retained, size,
  alpha=0.05, method='wilson').
- "Mean row": over cohorts with a mature cell at k and size > 0: sum retained / sum size,
  Wilson on the totals (cohort 'all', mature = whether any cohort contributes).
- "Comparison": default A = the latest shown cohort with A + 3 <= lastPeriod and size > 0,
  B = A - 12 months (4 quarters) when shown with size > 0 (else null); for each k in
  0..K mature in both: d = pA - pB, se = sqrt(pA(1-pA)/nA + pB(1-pB)/nB), z = d/se,
  p = 2 * scipy.stats.norm.sf(|z|), interval d +- norm.ppf(0.975) * se (Wald);
  p_adjusted = statsmodels.stats.multitest.multipletests(p, method='holm')[1].
  When se = 0: p = 1 if d = 0 else 0 (interval = [d, d]).

Choices where the spec is silent (kept explicit so a disagreement can be traced):
- A shown cohort with 0 customers: mature cells have retained 0 and rate/low/high null
  (0/0 is not a rate); such cohorts are left out of the mean rows (spec: size > 0).
- A mean row k to which no cohort contributes is still written, with cohort_size 0,
  retained/rate/low/high null and mature false.
- Orphan activity rows (customer not in `customers`) are dropped before first/last are
  taken, so they cannot move the data months.
- No cohort to show (low > high): "cohorts" is [] and only the empty mean rows are written.
- --compare with a cohort that is not shown: comparison null (warning on stderr).
- statsmodels' Wilson bound for retained = 0 (or = size) can be ~1e-17 instead of 0 (or
  1 - 1e-16): compare near 0/1 with an absolute tolerance as well as a relative one.
- Offsets are read in the contract's forms (Z, +-HH:MM) and also +-HHMM / +-HH.
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
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

TS_RE = re.compile(
    r"^\s*(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
    r"(?:[T ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d+))?)?)?"
    r"\s*(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?\s*$")
INT_TEXT_RE = re.compile(r"^[+-]?\d+(?:\.0*)?$")


def fail(msg):
    sys.exit(f"retention.py: {msg}")


def offset_minutes(tz):
    """'Z' / 'UTC' / +-HH / +-HHMM / +-HH:MM -> minutes east of UTC."""
    if tz is None or tz in ("Z", "z", "UTC", "utc"):
        return 0
    m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})?", tz)
    if not m:
        fail(f"bad zone {tz!r}")
    sign = 1 if m.group(1) == "+" else -1
    return sign * (int(m.group(2)) * 60 + int(m.group(3) or 0))


def customer_key(v):
    """One key per stored customer id: 17, 17.0, '17' -> '17'."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, (bool, np.bool_)):
        v = int(v)
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return str(int(v)) if float(v).is_integer() else repr(float(v))
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    s = str(v)
    if INT_TEXT_RE.match(s):
        return str(int(s.split(".")[0]))
    return s


def keys(series):
    return series.map(customer_key)


def month_index(year, month):
    return year * 12 + (month - 1)


def month_label(m):
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def period_label(p, unit):
    if unit == 1:
        return month_label(p)
    m = p * unit
    return f"{m // 12:04d} Q{(m % 12) // 3 + 1}"


def parse_month_arg(s, what):
    m = re.fullmatch(r"(\d{4})-(\d{2})", s.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        fail(f"{what}: expected YYYY-MM, got {s!r}")
    return month_index(int(m.group(1)), int(m.group(2)))


def local_dates(ts, zone_min, table):
    """ISO 8601 strings -> local (zone) dates as datetime64[ns] at midnight, vectorized."""
    parts = ts.astype(str).str.extract(TS_RE)
    bad = parts["y"].isna()
    if bad.any():
        i = bad.idxmax()
        fail(f"{table}.occurred_at row {i}: unparsable time {ts.iloc[i]!r}")
    num = {c: pd.to_numeric(parts[c]).fillna(0).astype("int64") for c in ("y", "mo", "d", "h", "mi", "s")}
    naive = pd.to_datetime(pd.DataFrame({"year": num["y"], "month": num["mo"], "day": num["d"],
                                         "hour": num["h"], "minute": num["mi"], "second": num["s"]}),
                           errors="coerce")
    if naive.isna().any() or (num["h"] > 23).any() or (num["mi"] > 59).any() or (num["s"] > 60).any():
        i = (naive.isna() | (num["h"] > 23) | (num["mi"] > 59) | (num["s"] > 60)).idxmax()
        fail(f"{table}.occurred_at row {i}: invalid time {ts.iloc[i]!r}")
    tz = parts["tz"]
    has_tz = tz.notna()
    off = pd.Series(0, index=ts.index, dtype="int64")
    if has_tz.any():
        u = tz[has_tz].str.upper()
        sign = np.where(u.str[0] == "-", -1, 1)
        hh = pd.to_numeric(u.str[1:3], errors="coerce").fillna(0)
        mm = pd.to_numeric(u.str.replace(":", "", regex=False).str[3:5], errors="coerce").fillna(0)
        o = np.where(u == "Z", 0, sign * (hh * 60 + mm)).astype("int64")
        off[has_tz] = o
        # with an offset: UTC = t - offset; local = UTC + zone
        shift = np.where(has_tz, zone_min - off, 0)
    else:
        shift = np.zeros(len(ts), dtype="int64")
    local = naive + pd.to_timedelta(shift, unit="min")
    return local.dt.normalize()


def load(args):
    if not os.path.exists(args.db):
        fail(f"no such file {args.db}")
    con = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    zone_min = offset_minutes(args.zone)

    cust = pd.read_sql_query("SELECT customer_id, opened_on FROM customers", con)
    cust["key"] = keys(cust.customer_id)
    if cust.key.duplicated().any():
        fail(f"customers.customer_id {cust.key[cust.key.duplicated()].iloc[0]!r} appears twice")
    known = set(cust.key)

    rule = args.activity
    if rule is None:
        cols = [r[1] for r in con.execute("PRAGMA table_info(customer_months)")]
        rule = "months:app_logins>0" if "app_logins" in cols else "events:app_login"
    m = re.fullmatch(r"months:([A-Za-z_][A-Za-z0-9_]*)>0", rule.strip())
    e = re.fullmatch(r"events:(.+)", rule.strip())
    if m:
        col = m.group(1)
        cols = [r[1] for r in con.execute("PRAGMA table_info(customer_months)")]
        if col not in cols:
            fail(f"customer_months has no column {col!r}")
        rows = pd.read_sql_query(f'SELECT customer_id, month, "{col}" AS v FROM customer_months', con)
        rows["key"] = keys(rows.customer_id)
        orphan = ~rows.key.isin(known)
        rows = rows[~orphan]
        mm = rows.month.astype(str).str.extract(r"^(\d{4})-(\d{2})")
        if mm[0].isna().any() or (~pd.to_numeric(mm[1]).between(1, 12)).any():
            i = (mm[0].isna() | ~pd.to_numeric(mm[1], errors="coerce").between(1, 12)).idxmax()
            fail(f"customer_months.month row {i}: not YYYY-MM: {rows.month.loc[i]!r}")
        rows["m"] = month_index(pd.to_numeric(mm[0]).astype("int64"), pd.to_numeric(mm[1]).astype("int64"))
        first, last = int(rows.m.min()), int(rows.m.max())
        last_complete = last
        active = rows.loc[pd.to_numeric(rows.v, errors="coerce") > 0, ["key", "m"]]
    elif e:
        names = [n.strip() for n in e.group(1).split(",") if n.strip()]
        if not names:
            fail("events: no event names")
        rows = pd.read_sql_query(
            f"SELECT customer_id, occurred_at FROM events WHERE event IN ({','.join('?' * len(names))})",
            con, params=names)
        rows["key"] = keys(rows.customer_id)
        orphan = ~rows.key.isin(known)
        rows = rows[~orphan].reset_index(drop=True)
        if rows.empty:
            fail(f"no events named {names}")
        d = local_dates(rows.occurred_at, zone_min, "events")
        rows["m"] = month_index(d.dt.year.astype("int64"), d.dt.month.astype("int64"))
        first, last = int(rows.m.min()), int(rows.m.max())
        latest_day = d.max()
        last_day_of_last = (pd.Timestamp(year=last // 12, month=last % 12 + 1, day=1)
                            + pd.offsets.MonthEnd(0))
        last_complete = last - 1 if latest_day < last_day_of_last else last
        active = rows[["key", "m"]]
    else:
        fail(f"bad --activity {rule!r}: months:COLUMN>0 or events:NAME,NAME")
    if orphan.sum():
        print(f"retention.py: {int(orphan.sum())} activity rows of customers not in customers ignored",
              file=sys.stderr)
    active = active.drop_duplicates().reset_index(drop=True)
    return con, cust, active, first, last_complete, rule


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--cohort", choices=["opened", "first-activity"], default="opened")
    ap.add_argument("--activity", default=None)
    ap.add_argument("--period", choices=["month", "quarter"], default="month")
    ap.add_argument("--mode", choices=["on", "on-or-after"], default="on")
    ap.add_argument("--periods", type=int, default=None)
    ap.add_argument("--cohorts", default=None)
    ap.add_argument("--compare", default=None)
    ap.add_argument("--zone", default="+08:00")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"scipy {scipy.__version__}, statsmodels {statsmodels.__version__}", file=sys.stderr)

    con, cust, active, first, last_complete, rule = load(args)
    unit = 1 if args.period == "month" else 3
    K = args.periods if args.periods is not None else (12 if unit == 1 else 8)
    if K < 0:
        fail("--periods must be >= 0")
    first_period = -(-first // unit)
    last_period = (last_complete + 1) // unit - 1

    # cohorts
    if args.cohort == "opened":
        od = cust.opened_on.astype(str).str.extract(r"^\s*(\d{4})-(\d{2})-(\d{2})")
        ok = od[0].notna()
        cust["cohort"] = np.nan
        cust.loc[ok, "cohort"] = (month_index(pd.to_numeric(od.loc[ok, 0]), pd.to_numeric(od.loc[ok, 1]))
                                  // unit)
        low = first_period
    else:
        fa = active.groupby("key").m.min() // unit
        cust["cohort"] = cust.key.map(fa)
        low = first_period + 1
    high = last_period
    if args.cohorts:
        a, _, b = args.cohorts.partition("..")
        if not b:
            fail("--cohorts: FROM..TO")
        low = max(low, parse_month_arg(a, "--cohorts") // unit)
        high = min(high, parse_month_arg(b, "--cohorts") // unit)
    shown = list(range(low, high + 1))
    members = cust[cust.cohort.notna()].copy()
    members["cohort"] = members.cohort.astype("int64")
    members = members[(members.cohort >= low) & (members.cohort <= high)]
    size = members.groupby("cohort").size().reindex(shown, fill_value=0)

    # activity per customer per period (complete periods only)
    act = active.assign(p=active.m // unit)[["key", "p"]].drop_duplicates()
    act = act[act.p <= last_period].merge(members[["key", "cohort"]], on="key")
    if args.mode == "on":
        act["k"] = act.p - act.cohort
        act = act[(act.k >= 0) & (act.k <= K)]
        counts = act.groupby(["cohort", "k"]).size()
        retained = lambda c, k: int(counts.get((c, k), 0))
    else:
        lastp = act.groupby("key").p.max()
        mem = members.assign(reach=members.key.map(lastp) - members.cohort)  # NaN: never active
        reach = {c: np.sort(g.reach.dropna().to_numpy()) for c, g in mem.groupby("cohort")}
        retained = lambda c, k: int((reach.get(c, np.array([])) >= k).sum())

    def wilson(x, n):
        lo, hi = proportion_confint(x, n, alpha=0.05, method="wilson")
        return float(lo), float(hi)

    records, cells = [], {}
    for c in shown:
        n = int(size[c])
        for k in range(K + 1):
            mature = c + k <= last_period
            rec = {"cohort": period_label(c, unit), "period": k, "mode": args.mode, "cohort_size": n,
                   "retained": None, "rate": None, "low": None, "high": None, "mature": mature}
            if mature:
                x = retained(c, k)
                rec["retained"] = x
                if n > 0:
                    rec["rate"] = x / n
                    rec["low"], rec["high"] = wilson(x, n)
                cells[(c, k)] = (x, n)
            records.append(rec)
    for k in range(K + 1):
        parts = [cells[(c, k)] for c in shown if (c, k) in cells and cells[(c, k)][1] > 0]
        x, n = sum(p[0] for p in parts), sum(p[1] for p in parts)
        rec = {"cohort": "all", "period": k, "mode": args.mode, "cohort_size": n, "retained": None,
               "rate": None, "low": None, "high": None, "mature": bool(parts)}
        if parts:
            rec["retained"] = x
            rec["rate"] = x / n
            rec["low"], rec["high"] = wilson(x, n)
        records.append(rec)
        print(f"mean k={k}: {len(parts)} cohorts, {n} customers", file=sys.stderr)

    # comparison
    comparison = None
    shown_set = set(shown)
    if args.compare:
        a_s, _, b_s = args.compare.partition(",")
        A, B = parse_month_arg(a_s, "--compare") // unit, parse_month_arg(b_s, "--compare") // unit
        if A not in shown_set or B not in shown_set:
            print("retention.py: --compare cohort not shown; no comparison", file=sys.stderr)
            A = B = None
    else:
        cand = [c for c in shown if c + 3 <= last_period and size[c] > 0]
        A = cand[-1] if cand else None
        B = A - 12 // unit if A is not None else None
        if A is None or B not in shown_set or size[B] == 0:
            A = B = None
    if A is not None:
        z975 = norm.ppf(0.975)
        rows = []
        for k in range(K + 1):
            if (A, k) in cells and (B, k) in cells and cells[(A, k)][1] > 0 and cells[(B, k)][1] > 0:
                (xa, na), (xb, nb) = cells[(A, k)], cells[(B, k)]
                pa, pb = xa / na, xb / nb
                d = pa - pb
                se = math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
                if se > 0:
                    p = float(2 * norm.sf(abs(d / se)))
                else:
                    p = 1.0 if d == 0 else 0.0
                rows.append({"period": k, "estimate": d, "low": d - z975 * se, "high": d + z975 * se,
                             "p_value": p})
        if rows:
            adj = multipletests([r["p_value"] for r in rows], method="holm")[1]
            for r, q in zip(rows, adj):
                r["p_adjusted"] = float(q)
        comparison = {"a": period_label(A, unit), "b": period_label(B, unit), "rows": rows}

    out = {"source": os.path.basename(args.db), "rule": rule, "first": month_label(first),
           "last_complete": month_label(last_complete), "cohorts": [period_label(c, unit) for c in shown],
           "retention": records, "comparison": comparison}
    text = json.dumps(out, indent=1, allow_nan=False)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    con.close()


if __name__ == "__main__":
    main()
