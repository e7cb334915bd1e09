"""Independent reference implementation of CampaignLab per-capita KPIs by segment.

Definitions: /tmp/spec/kpis-spec.md ("CampaignLab per-capita KPIs by segment - definitions
(v1)") on the data contract of /work/shared/DOMAIN.md. Written from those two texts and the
pandas / numpy / scipy documentation only; nothing is taken from the Swift sources in
Sources/ (the point of this file is independence).

Run (from the repository root):
    python3 Tests/References/kpis.py --db datasets/demo-small.sqlite --quarter 2026Q3 \
        --by segment --activity-column app_logins --out Tests/References/kpis_demo_small.json
    python3 Tests/References/kpis.py --db datasets/foreign-ab.sqlite --quarter 2026Q3 \
        --by tier --activity-column logins --out Tests/References/kpis_foreign.json
Options: --quarter YYYYQn (required; 'YYYY-Qn' also read); --by COLUMN of customers (default:
the first dimension column - not customer_id / opened_on - whose declared type has TEXT
affinity); --activity-column COLUMN of customer_months (default app_logins; active = value
> 0; when the column is not in customer_months there is no active_share KPI); --out
FILE.json (default stdout).
The database is opened read-only (sqlite3 URI mode=ro).
The library versions are printed to stderr on every run; the reference files were made with
Python 3.11.7, numpy 2.4.6, pandas 2.3.3, scipy 1.17.1 (SQLite 3.40.1).
Requires: numpy, pandas, scipy.

Output JSON: {"source": db file name, "quarter": 'YYYYQn', "by": dimension column,
"kpis": [records {"segment", "level", "kpi", "period", "value", "change_qoq", "change_yoy",
"p_value", "p_value_qoq"} in the spec's order: levels sorted, then the all row (segment
'all', level null); per row the metrics in customer_months column order, then
active_share], "moments": [records {"level" (null for the all row), "kpi", "quarter"
('YYYYQn' of Q, Q-1 or Q-4), "n", "mean", "var"} for checking], "changes": [records
{"level", "kpi", "against" ('qoq' | 'yoy'), "relative", "se", "df", "low", "high",
"p_value", "cut_at_minus_1"} for every change that is computed - the interval is not in the
spec's JSON list, it is here for checking]}. Floats at full precision (json repr); null where
there is no value (a variance with n < 2, a mean with n = 0).

Sources of each formula (spec sentence in quotes)
- Customer ids ("ids matched across storage types (17, 17.0, '17' one customer)"): one key
  per value: an INTEGER, or a REAL / TEXT whose value is an integer (17, 17.0, '17',
  '17.0'), becomes '17'; any other TEXT is kept verbatim; any other REAL is repr(float).
  Same rule as tiers.py / retention.py in this folder. Two customers with the same key, or
  two customer_months rows with the same key and month, are an error (named).
- "Level ... = the value of the dimension column as text; NULL -> '(missing)'": SQLite's
  CAST(col AS TEXT) (an INTEGER 5 -> '5', a REAL 5.0 -> '5.0'); levels sorted with
  Python's sorted() on str (Unicode code point order).
- Quarters: 'YYYY-MM' -> index year*12 + month - 1; quarter Q = YYYYQn has months
  e-2, e-1, e with e = index of YYYY-(3n); Q-1 = e-3 ..., Q-4 = e-12 ....
- "present in the quarter": at least one customer_months row (of a known customer) in
  one of its three months. Rows of customers not in `customers` are dropped first (count on
  stderr).
- Metrics ("every numeric customer_months column except customer_id, month"): columns whose
  declared type has INTEGER, REAL or NUMERIC affinity (SQLite's affinity rules, section
  3.1 of datatype3.html); a column with no declared type (a view's expression) counts when
  every non-NULL stored value is an integer or real. Values read with
  pandas.to_numeric(errors='coerce'); a word or a non-finite number is read as NULL
  (count on stderr).
- Customer value = pandas groupby(customer).mean() of the non-NULL values over the rows
  in the quarter (skipna); all NULL -> no value (the customer is not in n).
- Active share: per present customer, 1.0 if (activity value > 0) in any of its rows in the
  quarter, else 0.0 (NULL / missing row -> not active).
- n, mean, var: pandas count / mean / var(ddof=1) per level and over all customers.
- Change vs E (Q-1 for QoQ, Q-4 for YoY), computed only when n_Q >= 20, n_E >= 20,
  m_E != 0 and not (var_Q == 0 and var_E == 0):
    relative = m_Q / m_E - 1
    v_Q = var_Q / n_Q, v_E = var_E / n_E
    SE = sqrt(v_Q / m_E^2 + m_Q^2 v_E / m_E^4)           (delta method, spec)
    df = (v_Q + v_E)^2 / (v_Q^2/(n_Q-1) + v_E^2/(n_E-1))  (Welch-Satterthwaite on v_Q, v_E)
    interval = relative -+ scipy.stats.t.ppf(0.975, df) * SE
    p = 2 * scipy.stats.t.sf(|relative / SE|, df)
  Lower end cut: max(low, -1) when every customer's value of that KPI in Q, Q-1 and Q-4
  is >= 0 (active share always). "every customer" read as in the spec's "'all' (every
  customer)": all customers of the base, whatever the row, so the cut is a property of the
  KPI and the same for every level; values are the per-customer quarter values above (a
  negative month inside a quarter whose mean is >= 0, or a negative month outside the
  three quarters, does not stop the cut).
- Check: a second, loop-based computation (per customer, with Python dicts and the
  statistics module, straight from the spec's sentences) must give the same n and, to
  1e-12 relative, the same mean and variance (assert).

Choices where the spec is silent (kept explicit so a disagreement can be traced):
- SE = 0 with the change computed (only possible when m_Q = 0 and var_Q = 0, so relative
  = -1): interval [relative, relative], p = 0 (p = 1 if relative were 0).
- The lower-end cut looks at all three quarters Q, Q-1, Q-4 for both changes (the spec
  says "in the three quarters"), over every customer of the base (see above; the reading
  "the row's own customers" would cut more often: v1 of this file did that, and the Swift
  binary does not).
- A level with customers but nobody present in Q still has its records (value null).
- '(missing)' is sorted with the other level texts (it sorts before letters in code point
  order); a level literally named 'all' stays a level; a stored text '(missing)' and NULL
  are one level. An empty text '' is its own level (only NULL is '(missing)'), sorted
  first. Level texts are compared as stored (code points, no Unicode normalization: 'é'
  precomposed and 'e' + combining accent are two levels).
- Id texts: any text that int() reads after dropping a '.000' tail ('0017', '+17', '17.0')
  is customer 17 (the spec names only 17, 17.0, '17'; the Swift binary matches the text
  '17' only - the data sets here never store another form).
- A quarter that is partly outside the data (e.g. 2026Q4 when the data ends 2026-10) is
  computed as it is: the spec's "present in any of its months" and "active in any month"
  then compare one month with three (the active share falls for that reason alone).
"""
import argparse
import json
import math
import os
import re
import sqlite3
import statistics
import sys

import numpy as np
import pandas as pd
import scipy
from scipy.stats import t as student_t

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from retention import customer_key  # noqa: E402  (one id rule for every reference script)
from tiers import month_label, parse_quarter, quarter_label  # noqa: E402

IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MIN_N = 20


def fail(msg):
    sys.exit(f"kpis.py: {msg}")


def affinity(decl):
    """SQLite column affinity of a declared type (datatype3.html, 3.1)."""
    d = (decl or "").upper()
    if "INT" in d:
        return "INTEGER"
    if "CHAR" in d or "CLOB" in d or "TEXT" in d:
        return "TEXT"
    if d == "" or "BLOB" in d:
        return "BLOB"
    if "REAL" in d or "FLOA" in d or "DOUB" in d:
        return "REAL"
    return "NUMERIC"


def jnum(x):
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


# ---------------------------------------------------------------- loading

def load(args):
    if not os.path.exists(args.db):
        fail(f"no such file {args.db}")
    con = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    ccols = [(r[1], r[2]) for r in con.execute("PRAGMA table_info(customers)")]
    mcols = [(r[1], r[2]) for r in con.execute("PRAGMA table_info(customer_months)")]
    if not ccols or not mcols:
        fail("the database needs tables (or views) customers and customer_months")
    cnames = [c for c, _ in ccols]
    if "customer_id" not in cnames:
        fail("customers has no column customer_id")
    by = args.by
    if by is None:
        dims = [c for c, d in ccols if c not in ("customer_id", "opened_on") and affinity(d) == "TEXT"]
        if not dims:
            fail("customers has no text dimension column; give --by")
        by = dims[0]
    if by not in cnames or by in ("customer_id",) or not IDENT_RE.match(by):
        fail(f"--by: customers has no dimension column {by!r} (columns: {cnames})")

    metrics = []
    for c, d in mcols:
        if c in ("customer_id", "month"):
            continue
        a = affinity(d)
        if a in ("INTEGER", "REAL", "NUMERIC"):
            metrics.append(c)
        elif a == "BLOB" and d in (None, "") and IDENT_RE.match(c):
            bad = con.execute(f'SELECT count(*) FROM customer_months WHERE "{c}" IS NOT NULL '
                              f"AND typeof(\"{c}\") NOT IN ('integer','real')").fetchone()[0]
            if bad == 0:
                metrics.append(c)
    for c in metrics:
        if not IDENT_RE.match(c):
            fail(f"customer_months column name {c!r} not supported by this script")
    act = args.activity_column if args.activity_column in [c for c, _ in mcols] else None
    if act is None:
        print(f"kpis.py: customer_months has no column {args.activity_column!r}: no active_share",
              file=sys.stderr)

    cust = pd.read_sql_query(
        f'SELECT customer_id, CAST("{by}" AS TEXT) AS level FROM customers', con)
    cust["key"] = cust.customer_id.map(customer_key)
    if cust.key.isna().any():
        fail(f"customers.customer_id row {int(cust.key.isna().idxmax())}: NULL id")
    if cust.key.duplicated().any():
        fail(f"customers.customer_id {cust.key[cust.key.duplicated()].iloc[0]!r} appears twice")
    cust["level"] = cust.level.where(cust.level.notna(), "(missing)").astype(str)

    sel = ", ".join(f'"{c}"' for c in metrics)
    extra = f', "{act}" AS __act' if act is not None else ""
    rows = pd.read_sql_query(
        f"SELECT customer_id, month{', ' + sel if sel else ''}{extra} FROM customer_months", con)
    con.close()
    rows["key"] = rows.customer_id.map(customer_key)
    orphan = ~rows.key.isin(set(cust.key))
    if orphan.any():
        print(f"kpis.py: {int(orphan.sum())} customer_months rows of customers not in "
              f"`customers` ignored", file=sys.stderr)
    rows = rows[~orphan].reset_index(drop=True)
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
    for c in metrics:
        v = pd.to_numeric(rows[c], errors="coerce").astype("float64")
        unreadable = v.isna() & rows[c].notna()
        nonfinite = v.notna() & ~np.isfinite(v)
        if unreadable.any() or nonfinite.any():
            print(f"kpis.py: customer_months.{c}: {int(unreadable.sum() + nonfinite.sum())} "
                  f"values not numbers / not finite, read as NULL", file=sys.stderr)
        v[nonfinite] = np.nan
        rows[c] = v
    if act is not None:
        rows["__active"] = pd.to_numeric(rows["__act"], errors="coerce") > 0
    keep = ["key", "m"] + metrics + (["__active"] if act is not None else [])
    return by, metrics, act, cust[["key", "level"]], rows[keep]


# ---------------------------------------------------------------- per-customer values

def customer_values(rows, metrics, has_act, e):
    """DataFrame indexed by customer key: one column per KPI, NaN = no value."""
    q = rows[(rows.m >= e - 2) & (rows.m <= e)]
    g = q.groupby("key")
    out = g[metrics].mean() if metrics else pd.DataFrame(index=g.size().index)
    if has_act:
        out["active_share"] = g["__active"].any().astype("float64")
    return out


def customer_values_loop(rows, metrics, has_act, e):
    """The same values from plain Python: {(customer, kpi): value}."""
    sums = {}
    present = set()
    active = set()
    cols = [rows[c].to_list() for c in metrics]
    acts = rows["__active"].to_list() if has_act else [False] * len(rows)
    for i, (k, m) in enumerate(zip(rows.key.to_list(), rows.m.to_list())):
        if not (e - 2 <= int(m) <= e):
            continue
        present.add(k)
        for c, col in zip(metrics, cols):
            x = col[i]
            if x is not None and not math.isnan(x):
                sums.setdefault((k, c), []).append(float(x))
        if acts[i]:
            active.add(k)
    res = {key: math.fsum(xs) / len(xs) for key, xs in sums.items()}
    if has_act:
        for k in present:
            res[(k, "active_share")] = 1.0 if k in active else 0.0
    return res


# ---------------------------------------------------------------- statistics

def change(mq, me):
    """mq, me: (n, mean, var). Returns dict or None (not computed)."""
    nq, mQ, varQ = mq
    ne, mE, varE = me
    if nq < MIN_N or ne < MIN_N or mE == 0 or (varQ == 0 and varE == 0):
        return None
    rel = mQ / mE - 1.0
    vQ, vE = varQ / nq, varE / ne
    se = math.sqrt(vQ / mE ** 2 + mQ ** 2 * vE / mE ** 4)
    df = (vQ + vE) ** 2 / (vQ ** 2 / (nq - 1) + vE ** 2 / (ne - 1))
    if se > 0:
        tq = float(student_t.ppf(0.975, df))
        lo, hi = rel - tq * se, rel + tq * se
        p = float(2.0 * student_t.sf(abs(rel / se), df))
    else:
        lo, hi, p = rel, rel, (1.0 if rel == 0 else 0.0)
    return {"relative": rel, "se": se, "df": df, "low": lo, "high": hi, "p_value": p}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--quarter", required=True)
    ap.add_argument("--by", default=None)
    ap.add_argument("--activity-column", default="app_logins")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"scipy {scipy.__version__}, sqlite {sqlite3.sqlite_version}", file=sys.stderr)
    e = parse_quarter(args.quarter)
    by, metrics, act, cust, rows = load(args)
    has_act = act is not None
    kpis = list(metrics) + (["active_share"] if has_act else [])
    quarters = {"Q": e, "Q-1": e - 3, "Q-4": e - 12}

    levels = sorted(cust.level.unique())
    level_of = dict(zip(cust.key, cust.level))
    groups = [(lv, cust.key[cust.level == lv]) for lv in levels] + [(None, cust.key)]

    vals = {}
    for name, qe in quarters.items():
        cv = customer_values(rows, metrics, has_act, qe)
        loop = customer_values_loop(rows, metrics, has_act, qe)
        # check the vectorized per-customer values against the loop
        for k in kpis:
            s = cv[k].dropna() if k in cv else pd.Series(dtype=float)
            lk = {key: v for (key, kk), v in loop.items() if kk == k}
            if set(s.index) != set(lk):
                fail(f"per-customer values differ for {k} in {quarter_label(qe)} (customers)")
            for key, v in s.items():
                if not math.isclose(v, lk[key], rel_tol=1e-12, abs_tol=1e-300):
                    fail(f"per-customer value of {key} {k} {quarter_label(qe)}: {v} vs {lk[key]}")
        vals[name] = cv

    moments = {}   # (level, kpi, qname) -> (n, mean, var)
    cut = {}       # (level, kpi) -> all values >= 0 in the three quarters
    for lv, keys in groups:
        keyset = set(keys)
        for k in kpis:
            nonneg = True
            for name in quarters:
                cv = vals[name]
                x = cv.loc[cv.index.isin(keyset), k].dropna()
                n = int(x.count())
                mean = float(x.mean()) if n else float("nan")
                var = float(x.var(ddof=1)) if n >= 2 else float("nan")
                # loop check
                xs = [float(v) for v in x.to_list()]
                if n:
                    m2 = statistics.fmean(xs)
                    assert math.isclose(mean, m2, rel_tol=1e-12, abs_tol=1e-300), (lv, k, name)
                if n >= 2:
                    v2 = statistics.variance(xs)
                    assert math.isclose(var, v2, rel_tol=1e-12, abs_tol=1e-300), (lv, k, name, var, v2)
                moments[(lv, k, name)] = (n, mean, var)
                if (x < 0).any():
                    nonneg = False
            cut[(lv, k)] = nonneg
    # the cut is a property of the KPI over every customer: the all row's flag
    for lv, _ in groups:
        for k in kpis:
            cut[(lv, k)] = cut[(None, k)]

    records, mom_out, ch_out = [], [], []
    for lv, _ in groups:
        for k in kpis:
            mq = moments[(lv, k, "Q")]
            chg = {}
            for tag, ename in (("qoq", "Q-1"), ("yoy", "Q-4")):
                c = change(mq, moments[(lv, k, ename)])
                if c is not None and cut[(lv, k)]:
                    c["low"] = max(c["low"], -1.0)
                chg[tag] = c
                if c is not None:
                    ch_out.append({"level": lv, "kpi": k, "against": tag,
                                   **{f: jnum(c[f]) for f in ("relative", "se", "df", "low", "high", "p_value")},
                                   "cut_at_minus_1": bool(cut[(lv, k)])})
            records.append({
                "segment": by if lv is not None else "all",
                "level": lv,
                "kpi": k,
                "period": quarter_label(e),
                "value": jnum(mq[1]) if mq[0] > 0 else None,
                "change_qoq": jnum(chg["qoq"]["relative"]) if chg["qoq"] else None,
                "change_yoy": jnum(chg["yoy"]["relative"]) if chg["yoy"] else None,
                "p_value": jnum(chg["yoy"]["p_value"]) if chg["yoy"] else None,
                "p_value_qoq": jnum(chg["qoq"]["p_value"]) if chg["qoq"] else None,
            })
            for name, qe in quarters.items():
                n, mean, var = moments[(lv, k, name)]
                mom_out.append({"level": lv, "kpi": k, "quarter": quarter_label(qe), "n": n,
                                "mean": jnum(mean) if n else None, "var": jnum(var) if n >= 2 else None})

    print(f"kpis.py: by {by}, {len(levels)} levels, KPIs {kpis}, quarters "
          + ", ".join(f"{n}={quarter_label(q)}" for n, q in quarters.items())
          + f"; {len(ch_out)} changes computed; vectorized == loop-based", file=sys.stderr)
    out = {"source": os.path.basename(args.db), "quarter": quarter_label(e), "by": by,
           "kpis": records, "moments": mom_out, "changes": ch_out}
    text = json.dumps(out, indent=1, ensure_ascii=False) + "\n"
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
