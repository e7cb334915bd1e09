"""The peer of the checkup benchmark: the pandas + numpy + scipy + statsmodels + lifelines notebook an
analyst would write to compute the same tables as `campaignlab health --db DB --quarter Q` from the same
SQLite file, vectorized (no per-row or per-customer Python loops: loops run over months, cohorts
or chunks of rows only).

Usage: python3 checkup_peer.py DB QUARTER [--activity months:COLUMN>0] [--dormant-months N]
                               [--by COLUMN] [--metric COLUMN] [--tiers B1,B2,...] [--funnel-quarters K]
  -> one JSON line: seconds, read_seconds, customers, rows_read, and summary figures (net
upgrade rate now / a year earlier / change, the latest month's MAU, the mean retention at
k = 1, 3, 6, 12, the 'all' row of the KPIs, the concentration figures, the AARRR funnel's
reached counts per node (funnel_reached) and its acquisition -> activation converted_90d). With
CHECKUP_PEER_FULL=1 in the environment the line also carries the full tables (retention,
retention_comparison, lifecycle, tiers, migration, net_upgrade, year_earlier, change, kpis,
concentration, and "funnel": the object of Tests/References/base_funnel.py), for checking against Tests/References (check_checkup_peer.py); the timed runs
do not set it.

Defaults are the reference scripts' (= the checkup's): activity months:app_logins>0, dormant
months 6, KPIs by the first TEXT column of customers (not customer_id / opened_on), tiers on
aum with boundaries 50000,500000,6000000. Only the months:COLUMN>0 activity rule is
implemented (not events:...). The specifications are /tmp/spec/{retention,lifecycle,tiers,
kpis}-spec.md; the tables are those of Tests/References/{retention,lifecycle,tiers,kpis}.py
with their defaults:
- retention: cohorts by opened_on month, period month, mode on, K = 12, all cohorts shown,
  the default comparison (latest cohort with 3 months over against the one 12 months earlier);
- lifecycle: states per month from first + N to the last month;
- tiers: tier table at e(Q), migration e(Q-1) -> e(Q) (records), net upgrade rate, the same a
  year earlier (e(Q-5) -> e(Q-4)) and the change;
- kpis: per level and 'all', every numeric customer_months metric and active_share, Q against
  Q-1 and Q-4 (delta-method relative change, Welch df, t p-values);
- concentration of the tier metric at the latest month over customers with a non-NULL value:
  population Gini (sorted-sum form), shares of the top 1% / 10% and bottom 80% read off the
  Lorenz curve (np.interp, as Tests/References/inequality.py), median and total.
- funnel: the AARRR funnel of the base (/tmp/spec/base-funnel-spec.md v1 + its "v2 changes"),
  quarter Q, K = --funnel-quarters (4), activation = retention = months:app_logins>0 (the
  --activity column when customer_months has no app_logins: the spec's events:app_login
  default is not implemented), revenue = events:purchase, referral = events:referral (each
  dropped when no event of a known customer has the name), by --by or else the first customers
  column after customer_id / opened_on (table order); Kaplan-Meier by lifelines
  (KaplanMeierFitter, log-log intervals), log-rank by multivariate_logrank_test, Greenwood se
  at 90 days, the year earlier and its 90-day comparison; base_funnel.py's choices where the
  spec is silent. The events are read once with a WHERE on the two names (any campaign), plus
  one aggregate read of the latest occurred_at for the v2 cut-off (the rows of the last 3 days
  are read only when that date is within 3 days of Q's end).
customer_months is read once (pandas.read_sql_query in chunks of CHECKUP_PEER_CHUNK rows,
default 100,000) into per-month dense arrays over customers (presence, activity; metric values
only for the months the tables use, INTEGER metrics as float32 while exact). Customer ids are
matched as stored (pandas Index lookup), not canonicalized the way the references do
(17 vs '17'); rows of customers not in `customers` are ignored (also for first/last month).
"""
import argparse
import json
import math
import os
import re
import sqlite3
import sys
import time

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

started = time.perf_counter()
read_seconds = 0.0

ap = argparse.ArgumentParser()
ap.add_argument("db")
ap.add_argument("quarter")
ap.add_argument("--activity", default=None)
ap.add_argument("--dormant-months", type=int, default=6)
ap.add_argument("--by", default=None)
ap.add_argument("--metric", default="aum")
ap.add_argument("--tiers", default="50000,500000,6000000")
ap.add_argument("--funnel-quarters", type=int, default=4)
args = ap.parse_args()
FULL = bool(os.environ.get("CHECKUP_PEER_FULL"))
Z = 1.959963984540054
K_PERIODS = 12
MIN_N = 20
CHUNK = int(os.environ.get("CHECKUP_PEER_CHUNK", 100_000))

con = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)


def sql(query, params=()):
    global read_seconds
    t = time.perf_counter()
    out = pd.read_sql_query(query, con, params=params)
    read_seconds += time.perf_counter() - t
    return out


def sql_chunks(query):
    """pandas chunks of a query; the time spent fetching them counts as read time."""
    global read_seconds
    t = time.perf_counter()
    it = pd.read_sql_query(query, con, chunksize=CHUNK)
    read_seconds += time.perf_counter() - t
    while True:
        t = time.perf_counter()
        chunk = next(it, None)
        read_seconds += time.perf_counter() - t
        if chunk is None:
            return
        yield chunk


def pragma(table):
    global read_seconds
    t = time.perf_counter()
    out = [(r[1], r[2]) for r in con.execute(f"PRAGMA table_info({table})")]
    read_seconds += time.perf_counter() - t
    return out


def affinity(decl):
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


def label(m):
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def quarter_label(e):
    return f"{e // 12:04d}Q{(e % 12) // 3 + 1}"


def wilson(x, n):
    """Vectorized statsmodels Wilson interval; NaN where n = 0."""
    x, n = np.asarray(x, float), np.asarray(n, float)
    lo, hi = np.full(x.shape, np.nan), np.full(x.shape, np.nan)
    ok = n > 0
    if ok.any():
        lo[ok], hi[ok] = proportion_confint(x[ok], n[ok], alpha=0.05, method="wilson")
    return lo, hi


def num(v):
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


# ---------------------------------------------------------------- options and schema
qm = re.fullmatch(r"\s*(\d{4})-?[Qq]([1-4])\s*", args.quarter)
if not qm:
    sys.exit(f"checkup_peer.py: quarter YYYYQn, got {args.quarter!r}")
E = int(qm.group(1)) * 12 + int(qm.group(2)) * 3 - 1           # last month of Q
N_DORM = args.dormant_months
B = np.array([float(x) for x in args.tiers.split(",")])
STANDARD_NAMES = ["Mass (< ¥50k)", "Affluent (¥50k–500k)", "Wealth (¥500k–6M)", "Private (≥ ¥6M)"]


def amount_label(v):
    if abs(v) >= 1e6:
        return f"{v / 1e6:g}M"
    if abs(v) >= 1e3:
        return f"{v / 1e3:g}k"
    return f"{v:g}"


try:  # '¥' in tier names only for a CNY metric (metric_definitions.unit; none given: CNY)
    unit = con.execute("SELECT unit FROM metric_definitions WHERE metric = ?", (args.metric,)).fetchone()
except sqlite3.Error:
    unit = None
CUR = "¥" if unit is None or unit[0] in (None, "", "CNY") else ""
if list(B) == [50000.0, 500000.0, 6000000.0] and CUR:
    TIER_NAMES = STANDARD_NAMES
else:  # the reference script's pattern for other boundaries ('T1 < 10k', 'T2 10k–100k', ...)
    TIER_NAMES = ([f"T1 < {CUR}{amount_label(B[0])}"]
                  + [f"T{i + 1} {CUR}{amount_label(B[i - 1])}–{amount_label(B[i])}" for i in range(1, len(B))]
                  + [f"T{len(B) + 1} ≥ {CUR}{amount_label(B[-1])}"])

ccols = pragma("customers")
mcols = pragma("customer_months")
mnames = [c for c, _ in mcols]
if args.activity is None:
    if "app_logins" not in mnames:
        sys.exit("checkup_peer.py: customer_months has no app_logins: give --activity months:COLUMN>0")
    args.activity = "months:app_logins>0"
am = re.fullmatch(r"months:([A-Za-z_][A-Za-z0-9_]*)>0", args.activity.strip())
if not am or am.group(1) not in mnames:
    sys.exit(f"checkup_peer.py: --activity months:COLUMN>0 with a customer_months column, got {args.activity!r}")
ACT = am.group(1)
if args.metric not in mnames:
    sys.exit(f"checkup_peer.py: customer_months has no column {args.metric!r}: give --metric")
BY = args.by or next(c for c, d in ccols if c not in ("customer_id", "opened_on") and affinity(d) == "TEXT")
# the funnel's by: --by, else the first customers column after customer_id and opened_on (table order)
FBY = args.by or next(c for c, _ in ccols if c not in ("customer_id", "opened_on"))
# the funnel's activation / retention column: app_logins (the spec's default activity rule), else
# the --activity column (the spec would take events:app_login there: not implemented)
FCOL = "app_logins" if "app_logins" in mnames else ACT
METRICS = []
for c, d in mcols:
    if c in ("customer_id", "month"):
        continue
    a = affinity(d)
    if a in ("INTEGER", "REAL", "NUMERIC"):
        METRICS.append(c)
    elif a == "BLOB" and not d:
        bad = con.execute(f'SELECT count(*) FROM customer_months WHERE "{c}" IS NOT NULL '
                          f"AND typeof(\"{c}\") NOT IN ('integer','real')").fetchone()[0]
        if bad == 0:
            METRICS.append(c)
KPIS = METRICS + ["active_share"]

# months whose metric values some table uses: the three KPI quarters, the four tier month ends,
# and (for the concentration) every month from e(Q) on: the latest month is >= e(Q).
KPI_MONTHS = {e - i for e in (E, E - 3, E - 12) for i in range(3)}
TIER_MONTHS = {E, E - 3, E - 12, E - 15}
NEED = {c: set(KPI_MONTHS) for c in METRICS}
NEED.setdefault(args.metric, set()).update(TIER_MONTHS)

# ---------------------------------------------------------------- read
# the opened month as a month index in SQL (NULL when opened_on does not start with YYYY-MM-DD)
cust = sql(f"""SELECT customer_id,
    CASE WHEN ltrim(opened_on) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
         THEN CAST(substr(ltrim(opened_on), 1, 4) AS INTEGER) * 12
              + CAST(substr(ltrim(opened_on), 6, 2) AS INTEGER) - 1 END AS opened_m,
    CASE WHEN typeof(opened_on) = 'text' THEN opened_on END AS opened_txt,
    CAST("{BY}" AS TEXT) AS level""" + (f', CAST("{FBY}" AS TEXT) AS flevel' if FBY != BY else "")
           + " FROM customers")
NC = len(cust)
cindex = pd.Index(cust.customer_id)
opened_m = cust.opened_m.to_numpy(np.float64)
LEVELS = sorted(cust.level.fillna("(missing)").unique())
lcode = pd.Categorical(cust.level.fillna("(missing)"), categories=LEVELS).codes
if FBY != BY:
    FLEVELS = sorted(cust.flevel.fillna("(missing)").unique())
    fcode = pd.Categorical(cust.flevel.fillna("(missing)"), categories=FLEVELS).codes
else:
    FLEVELS, fcode = LEVELS, lcode
# opened_on as days since 1970-01-01 where it is exactly 'YYYY-MM-DD' (blanks trimmed), a valid
# date (the funnel's entry date); NaN otherwise
_ot = cust.opened_txt.str.strip()
_od = pd.to_datetime(_ot.where(_ot.str.fullmatch(r"\d{4}-\d{2}-\d{2}", na=False)), format="%Y-%m-%d",
                     errors="coerce")
opened_day = ((_od - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1)).to_numpy(np.float64)
del cust, _ot, _od
# integer metrics are kept as float32 while every value is exactly representable
F32 = {c for c, d in mcols if c in METRICS and affinity(d) == "INTEGER"}
read_cols = list(dict.fromkeys(METRICS + [ACT, FCOL, args.metric]))
present, active, active_f, values = {}, {}, {}, {c: {} for c in read_cols}
rows_read = orphans = 0
month_sql = "CAST(substr(month, 1, 4) AS INTEGER) * 12 + CAST(substr(month, 6, 2) AS INTEGER) - 1"
for ch in sql_chunks(f"SELECT customer_id, {month_sql} AS m, "
                     + ", ".join(f'"{c}"' for c in read_cols) + " FROM customer_months"):
    rows_read += len(ch)
    pos = cindex.get_indexer(ch.customer_id)
    ok = pos >= 0
    orphans += int((~ok).sum())
    pos = pos[ok].astype(np.int32)
    m = ch.m.to_numpy()[ok].astype(np.int32)
    vals = {}
    for c in read_cols:
        v = ch[c]
        v = (pd.to_numeric(v, errors="coerce") if v.dtype == object else v).to_numpy(np.float64)[ok]
        v[~np.isfinite(v)] = np.nan
        vals[c] = v
    act = vals[ACT] > 0
    act_f = vals[FCOL] > 0 if FCOL != ACT else None
    order = np.argsort(m, kind="stable")
    ms = m[order]
    months, starts = np.unique(ms, return_index=True)
    ends = np.append(starts[1:], len(ms))
    for mo, a, b in zip(months.tolist(), starts, ends):
        idx = order[a:b]
        p = pos[idx]
        if mo not in present:
            present[mo] = np.zeros(NC, bool)
            active[mo] = np.zeros(NC, bool)
        present[mo][p] = True
        active[mo][p[act[idx]]] = True
        if act_f is not None:
            if mo not in active_f:
                active_f[mo] = np.zeros(NC, bool)
            active_f[mo][p[act_f[idx]]] = True
        for c in read_cols:
            if mo in NEED.get(c, ()) or (c == args.metric and mo >= E):
                v = vals[c][idx]
                if c in F32 and not np.array_equal(v.astype(np.float32), v, equal_nan=True):
                    F32.discard(c)
                    values[c] = {k: a.astype(np.float64) for k, a in values[c].items()}
                if mo not in values[c]:
                    values[c][mo] = np.full(NC, np.nan, np.float32 if c in F32 else np.float64)
                values[c][mo][p] = v
    del ch, vals
if not present:
    sys.exit("checkup_peer.py: customer_months has no rows of known customers")
FIRST, LC = min(present), max(present)
T = LC - FIRST + 1
if E - 3 < FIRST or E > LC:
    sys.exit(f"checkup_peer.py: quarter {quarter_label(E)} needs {label(E - 3)} and {label(E)}; "
             f"the data has {label(FIRST)}..{label(LC)}")
zeros = np.zeros(NC, bool)
P = np.stack([present.get(FIRST + j, zeros) for j in range(T)])   # months x customers
A = np.stack([active.get(FIRST + j, zeros) for j in range(T)])
AF = A if FCOL == ACT else np.stack([active_f.get(FIRST + j, zeros) for j in range(T)])
del present, active, active_f
S_TYPE = np.int8 if T < 127 else np.int16
S = np.zeros((T + 1, NC), S_TYPE)                                  # S[j] = active months among 0..j-1
np.cumsum(A, axis=0, dtype=S_TYPE, out=S[1:])
MAU = A.sum(axis=1)


def value_at(col, mo):
    v = values[col].get(mo)
    return np.full(NC, np.nan) if v is None else v.astype(np.float64, copy=False)


# ---------------------------------------------------------------- retention
cohort = opened_m - FIRST                                          # NaN: no date
member = (cohort >= 0) & (cohort <= T - 1)
coh = np.where(member, cohort, -1).astype(np.int64)
size = np.bincount(coh[member], minlength=T)
R = np.zeros((T, T), np.int64)                                     # R[c, j]: cohort c active in month j
for j in range(T):
    R[:, j] = np.bincount(coh[member & A[j]], minlength=T)
c_idx, k_idx = np.meshgrid(np.arange(T), np.arange(K_PERIODS + 1), indexing="ij")
mature = c_idx + k_idx <= T - 1
retained = np.where(mature, R[c_idx, np.minimum(c_idx + k_idx, T - 1)], 0)
n_cell = np.broadcast_to(size[:, None], retained.shape)
rate = np.where(mature & (n_cell > 0), retained / np.maximum(n_cell, 1), np.nan)
lo, hi = wilson(np.where(mature, retained, 0), np.where(mature, n_cell, 0))
cells = pd.DataFrame({"cohort": [label(FIRST + c) for c in c_idx.ravel()], "period": k_idx.ravel(),
                      "mode": "on", "cohort_size": n_cell.ravel(), "retained": retained.ravel(),
                      "rate": rate.ravel(), "low": lo.ravel(), "high": hi.ravel(), "mature": mature.ravel()})
contrib = mature & (n_cell > 0)
mx, mn = (retained * contrib).sum(axis=0), (n_cell * contrib).sum(axis=0)
mlo, mhi = wilson(mx, mn)
means = pd.DataFrame({"cohort": "all", "period": np.arange(K_PERIODS + 1), "mode": "on", "cohort_size": mn,
                      "retained": mx, "rate": np.where(mn > 0, mx / np.maximum(mn, 1), np.nan), "low": mlo,
                      "high": mhi, "mature": contrib.any(axis=0), "cohorts": contrib.sum(axis=0)})
retention = []
for df in (cells, means):
    recs = df.drop(columns=["cohorts"], errors="ignore").to_dict(orient="records")
    for r in recs:
        if not r["mature"] or r["cohort_size"] == 0:
            r["rate"] = r["low"] = r["high"] = None
        if not r["mature"]:
            r["retained"] = None
    retention.extend(recs)
# default comparison: the latest cohort with 3 months over (size > 0) against 12 months earlier
comparison = None
cand = np.nonzero((np.arange(T) + 3 <= T - 1) & (size > 0))[0]
if len(cand) and cand[-1] - 12 >= 0 and size[cand[-1] - 12] > 0:
    ca, cb = cand[-1], cand[-1] - 12
    ks = np.nonzero(mature[ca] & mature[cb])[0]
    pa, pb = retained[ca, ks] / size[ca], retained[cb, ks] / size[cb]
    d = pa - pb
    se = np.sqrt(pa * (1 - pa) / size[ca] + pb * (1 - pb) / size[cb])
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(se > 0, 2 * stats.norm.sf(np.abs(d / se)), np.where(d == 0, 1.0, 0.0))
    z975 = stats.norm.ppf(0.975)
    padj = multipletests(p, method="holm")[1] if len(p) else p
    comparison = {"a": label(FIRST + ca), "b": label(FIRST + cb), "rows": [
        {"period": int(k), "estimate": float(d[i]), "low": float(d[i] - z975 * se[i]), "high": float(d[i] + z975 * se[i]),
         "p_value": float(p[i]), "p_adjusted": float(padj[i])} for i, k in enumerate(ks)]}

# ---------------------------------------------------------------- lifecycle
J = np.arange(N_DORM, T)
STATES = ["mau", "new", "retained", "returning", "resurrected", "newly_dormant", "dormant"]
lc_counts = {s: np.zeros(len(J), np.int64) for s in STATES}
den = {s: np.zeros(len(J), np.int64) for s in ("retained", "resurrected", "newly_dormant")}
for i, j in enumerate(J):                                           # one vector step per month
    a, prev = A[j], A[j - 1]
    before = S[j] > 0
    gap = S[j] == S[j - N_DORM]                                     # inactive in m-N .. m-1
    quiet = S[j + 1] == S[j - N_DORM + 1]                           # inactive in m-N+1 .. m
    ab = a & before
    lc_counts["mau"][i] = a.sum()
    lc_counts["new"][i] = (a & ~before).sum()
    lc_counts["retained"][i] = (a & prev).sum()
    lc_counts["resurrected"][i] = (ab & gap).sum()
    lc_counts["returning"][i] = (ab & ~prev & ~gap).sum()
    lc_counts["newly_dormant"][i] = (A[j - N_DORM] & quiet).sum()
    lc_counts["dormant"][i] = ((S[j - N_DORM + 1] > 0) & quiet).sum()
    den["resurrected"][i] = ((S[j - N_DORM] > 0) & gap).sum()
den["retained"] = MAU[J - 1]
den["newly_dormant"] = MAU[J - N_DORM]
lc_rates = {s: (lc_counts[s] / np.maximum(den[s], 1), *wilson(lc_counts[s], den[s])) for s in den}
with np.errstate(divide="ignore", invalid="ignore"):
    qoq = np.where((J - 3 >= 0) & (MAU[np.maximum(J - 3, 0)] > 0), MAU[J] / MAU[np.maximum(J - 3, 0)] - 1, np.nan)
    yoy = np.where((J - 12 >= 0) & (MAU[np.maximum(J - 12, 0)] > 0), MAU[J] / MAU[np.maximum(J - 12, 0)] - 1, np.nan)
lifecycle = []
for i, j in enumerate(J):
    for s in STATES:
        r = {"period": label(FIRST + j), "state": s, "customers": int(lc_counts[s][i]), "rate": None, "low": None,
             "high": None, "change_qoq": None, "change_yoy": None}
        if s in den and den[s][i] > 0:
            r["rate"], r["low"], r["high"] = (float(x[i]) for x in lc_rates[s])
        if s == "mau":
            r["change_qoq"], r["change_yoy"] = num(qoq[i]), num(yoy[i])
        lifecycle.append(r)

# ---------------------------------------------------------------- tiers and migration
NT = len(B)
ROWS_ORDER = list(range(NT + 1)) + [-1]
COLS_ORDER = list(range(NT + 1)) + [-2, -3]
LABEL = dict(enumerate(TIER_NAMES)) | {-1: "New", -2: "Dormant", -3: "Closed"}


def tier_of(v):
    return np.searchsorted(B, np.nan_to_num(v), side="right")


vt = value_at(args.metric, E)
has = P[E - FIRST] & ~np.isnan(vt)
tier_t = tier_of(vt[has])
t_n = np.bincount(tier_t, minlength=NT + 1)
t_amt = np.bincount(tier_t, weights=vt[has], minlength=NT + 1)
a_tot = float(vt[has].sum())
tiers = [{"tier": TIER_NAMES[i], "customers": int(t_n[i]), "amount": float(t_amt[i]),
          "customer_share": t_n[i] / t_n.sum() if t_n.sum() else None,
          "amount_share": t_amt[i] / a_tot if a_tot != 0 else None} for i in range(NT + 1)]


def migration(s, t):
    si, ti = s - FIRST, t - FIRST
    has_s, has_t = P[si], P[ti]
    vs, vt = value_at(args.metric, s), value_at(args.metric, t)
    dormant_t = (t <= LC) and (t - N_DORM >= FIRST)
    dormant = (S[ti + 1] == S[ti - N_DORM + 1]) if dormant_t else np.zeros(NC, bool)
    later = P[ti + 1:ti + 13].any(axis=0) if ti + 1 < T else np.zeros(NC, bool)
    row = np.where(has_s, tier_of(vs), -1)
    col = np.where(~has_t, -3, np.where(has_s & dormant, -2, tier_of(vt)))
    keep = (has_s | has_t) & ~(has_s & np.isnan(vs)) & ~((col >= 0) & np.isnan(vt)) & ~((col == -3) & later)
    r, c = row[keep] + 1, col[keep] + 3                              # 0..NT+1, 0..NT+3
    cells = np.bincount(r * (NT + 4) + c, minlength=(NT + 2) * (NT + 4)).reshape(NT + 2, NT + 4)
    get = lambda rr, cc: int(cells[rr + 1, cc + 3])
    recs = []
    for rr in ROWS_ORDER:
        xs = np.array([get(rr, cc) for cc in COLS_ORDER])
        tot = xs.sum()
        if tot == 0:
            continue
        lo, hi = wilson(xs, np.full(len(xs), tot))
        recs += [{"from_tier": LABEL[rr], "to_tier": LABEL[cc], "customers": int(x), "share": x / tot,
                  "low": float(l), "high": float(h)} for cc, x, l, h in zip(COLS_ORDER, xs, lo, hi)]
    both = cells[1:, 3:]                                             # tier rows x tier columns
    i_r, i_c = np.indices(both.shape)
    up, down, n = int(both[i_c > i_r].sum()), int(both[i_c < i_r].sum()), int(both.sum())
    net = {"estimate": None, "se": None, "low": None, "high": None, "p_value": None, "up": up, "down": down, "n": n}
    if n:
        pu, pd_ = up / n, down / n
        est = (up - down) / n
        se = math.sqrt(max(pu + pd_ - (pu - pd_) ** 2, 0.0) / n)
        net.update(estimate=est, se=se, **normal_summary(est, se))
    return recs, net


def normal_summary(est, se):
    if se > 0:
        return {"low": est - Z * se, "high": est + Z * se, "p_value": float(2 * stats.norm.sf(abs(est / se)))}
    return {"low": est, "high": est, "p_value": 1.0 if est == 0 else 0.0}


mig, net = migration(E - 3, E)
year, change = None, None
if E - 15 >= FIRST:
    mig_y, net_y = migration(E - 15, E - 12)
    year = dict(net_y, matrix=mig_y)
    if net["estimate"] is not None and net_y["estimate"] is not None:
        est = net["estimate"] - net_y["estimate"]
        se = math.sqrt(net["se"] ** 2 + net_y["se"] ** 2)
        change = {"estimate": est, "se": se, **normal_summary(est, se)}

# ---------------------------------------------------------------- KPIs by segment


def quarter_value(k, e):
    """Per-customer value of KPI k in the quarter ending e (NaN = no value)."""
    ms = [mo for mo in range(e - 2, e + 1)]
    idx = [mo - FIRST for mo in ms if FIRST <= mo <= LC]
    if k == "active_share":
        pres = P[idx].any(axis=0) if idx else np.zeros(NC, bool)
        act = A[idx].any(axis=0) if idx else np.zeros(NC, bool)
        return np.where(pres, act.astype(float), np.nan)
    stack = np.stack([value_at(k, mo) for mo in ms])
    cnt = (~np.isnan(stack)).sum(axis=0)
    with np.errstate(invalid="ignore"):
        return np.where(cnt > 0, np.nansum(stack, axis=0) / np.maximum(cnt, 1), np.nan)


QS = {"Q": E, "Q-1": E - 3, "Q-4": E - 12}
moments, nonneg = {}, {}
for qn, e in QS.items():
    for k in KPIS:
        v = pd.Series(quarter_value(k, e))
        g = v.groupby(lcode).agg(["count", "mean", "var"]).reindex(range(len(LEVELS)))
        moments[(k, qn)] = (g["count"].fillna(0).to_numpy(), g["mean"].to_numpy(), g["var"].to_numpy(),
                            int(v.count()), v.mean(), v.var(ddof=1))
        nonneg[k] = nonneg.get(k, True) and not bool((v < 0).any())


def change_of(mq, me, cut):
    """Arrays (n, mean, var) of Q and an earlier quarter -> relative, se, df, low, high, p (NaN: none)."""
    (nq, mQ, varQ), (ne, mE, varE) = mq, me
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (nq >= MIN_N) & (ne >= MIN_N) & (mE != 0) & ~((varQ == 0) & (varE == 0))
        rel = mQ / mE - 1
        vQ, vE = varQ / nq, varE / ne
        se = np.sqrt(vQ / mE ** 2 + mQ ** 2 * vE / mE ** 4)
        df = (vQ + vE) ** 2 / (vQ ** 2 / (nq - 1) + vE ** 2 / (ne - 1))
        tq = stats.t.ppf(0.975, df)
        pos = se > 0
        low = np.where(pos, rel - tq * se, rel)
        high = np.where(pos, rel + tq * se, rel)
        p = np.where(pos, 2 * stats.t.sf(np.abs(rel / se), df), np.where(rel == 0, 1.0, 0.0))
    if cut:
        low = np.maximum(low, -1.0)
    return [np.where(ok, x, np.nan) for x in (rel, se, df, low, high, p)]


kpis = []
kpi_changes = []
nrows = len(LEVELS) + 1
for k in KPIS:
    per = {}
    for qn in QS:
        lv_n, lv_m, lv_v, a_n, a_m, a_v = moments[(k, qn)]
        per[qn] = (np.append(lv_n, a_n).astype(float), np.append(lv_m, a_m), np.append(lv_v, a_v))
    ch_q = change_of(per["Q"], per["Q-1"], nonneg[k])
    ch_y = change_of(per["Q"], per["Q-4"], nonneg[k])
    for i in range(nrows):
        kpis.append({"segment": BY if i < len(LEVELS) else "all", "level": LEVELS[i] if i < len(LEVELS) else None,
                     "kpi": k, "period": quarter_label(E),
                     "value": num(per["Q"][1][i]) if per["Q"][0][i] > 0 else None,
                     "change_qoq": num(ch_q[0][i]), "change_yoy": num(ch_y[0][i]),
                     "p_value": num(ch_y[5][i]), "p_value_qoq": num(ch_q[5][i])})
        for tag, ch in (("qoq", ch_q), ("yoy", ch_y)):
            if not np.isnan(ch[0][i]):
                kpi_changes.append({"level": LEVELS[i] if i < len(LEVELS) else None, "kpi": k, "against": tag,
                                    **{f: float(x[i]) for f, x in zip(("relative", "se", "df", "low", "high", "p_value"), ch)}})
order = {lv: n for n, lv in enumerate(LEVELS + [None])}
kpis.sort(key=lambda r: (order[r["level"]], KPIS.index(r["kpi"])))

# ---------------------------------------------------------------- concentration at the latest month
x = value_at(args.metric, LC)
x = np.sort(x[P[LC - FIRST] & ~np.isnan(x)])
nx, tot = len(x), float(x.sum())
Lc = np.concatenate([[0.0], np.cumsum(x) / tot])
Pc = np.arange(nx + 1) / nx
concentration = {"month": label(LC), "customers": nx, "total": tot, "median": float(np.median(x)),
                 "gini": float(np.sum((2 * np.arange(1, nx + 1) - nx - 1) * x) / (nx * tot)),
                 "top_1pct_share": float(1 - np.interp(0.99, Pc, Lc)),
                 "top_10pct_share": float(1 - np.interp(0.90, Pc, Lc)),
                 "bottom_80pct_share": float(np.interp(0.80, Pc, Lc))}

# ---------------------------------------------------------------- AARRR funnel of the base
# /tmp/spec/base-funnel-spec.md (v1 + "v2 changes"), defaults: quarter Q, K = --funnel-quarters
# (4), activation = retention = months:FCOL>0, revenue = events:purchase, referral =
# events:referral (each dropped when events has no row of it for a known customer), by FBY.
# Times are local seconds (UTC+08:00 wall clock as seconds since 1970-01-01 00:00). Vectorized:
# months steps from the per-month activity arrays (first active month at / after the previous
# step's month by argmax over the months axis), events steps by a (customer, time)-sorted row
# table filtered against the previous step's time of its customer (first row per customer by
# np.unique). Where the spec is silent the peer follows Tests/References/base_funnel.py.
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
from lifelines.utils import median_survival_times

DAY = 86400
ZONE_MIN = 8 * 60
FK = args.funnel_quarters
TIME_RE = (r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
           r"\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?\s*$")


def month_day(m):
    """month index (year*12 + month-1; scalar or array) -> days since 1970-01-01 of its first day."""
    return (np.asarray(m, np.int64) - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def month_of(t):
    """local seconds (array) -> month index."""
    d = np.floor(np.asarray(t, np.float64) / DAY).astype(np.int64)
    return d.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) + 1970 * 12


def quarter_day(q):
    """quarter index (year*4 + quarter-1) -> days of its first day."""
    return int(month_day(q // 4 * 12 + q % 4 * 3))


def local_seconds(s):
    """occurred_at texts (Series) -> local seconds (float64; NaN: unparsable), as base_funnel.py."""
    x = s.str.extract(TIME_RE)
    date = pd.to_datetime(x[0] + "-" + x[1] + "-" + x[2], format="%Y-%m-%d", errors="coerce")
    days = ((date - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1)).to_numpy(np.float64)
    hh, mi, ss = (x[i].astype(np.float64).fillna(0).to_numpy() for i in (3, 4, 5))
    t = days * DAY + hh * 3600 + mi * 60 + ss
    t[(hh > 23) | (mi > 59) | (ss > 59)] = np.nan
    frac = x[6].notna().to_numpy()
    if frac.any():
        t[frac] += ("0." + x[6][frac]).astype(np.float64).to_numpy()
    tz = x[7]
    has = tz.notna().to_numpy()
    if has.any():
        z = tz[has]
        digits = z.str[1:].str.replace(":", "", regex=False)
        off = ((z.str[0] == "-").map({True: -1, False: 1}) * (pd.to_numeric(digits.str[:2], errors="coerce") * 60
               + pd.to_numeric(digits.str[2:4], errors="coerce").fillna(0)))
        off[z.str.upper() == "Z"] = 0
        t[has] += (ZONE_MIN - off.to_numpy(np.float64)) * 60
    return t


def fmt_local(t):
    t = float(t)
    days = math.floor(t / DAY)
    d = (np.datetime64("1970-01-01") + np.timedelta64(days, "D")).item().isoformat()
    sec = t - days * DAY
    if sec == 0:
        return d
    whole = int(sec)
    text = f"{d} {whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    return text + (repr(sec - whole)[1:] if sec != whole else "")


def date_text(day):
    return (np.datetime64("1970-01-01") + np.timedelta64(int(day), "D")).item().isoformat()


# events: the rows of the default revenue / referral names, any campaign, one read with a WHERE
EV_STEPS = [("revenue", ["purchase"]), ("referral", ["referral"])]
ev_names = [n for _, ns in EV_STEPS for n in ns]
ev = sql(f"SELECT customer_id, event, occurred_at FROM events WHERE event IN ({','.join('?' * len(ev_names))})",
         params=ev_names)
ev_pos = cindex.get_indexer(ev.customer_id)
ev = ev[ev_pos >= 0]                                        # rows of customers not in customers: ignored
ev_pos = ev_pos[ev_pos >= 0]
ev_t = local_seconds(ev.occurred_at)
if np.isnan(ev_t).any():
    sys.exit(f"checkup_peer.py: events.occurred_at unparsable: {ev.occurred_at[np.isnan(ev_t)].iloc[0]!r}")
f_steps = [{"node": "acquisition", "kind": "acq", "rule": "opened_on"},
           {"node": "activation", "kind": "months", "rule": f"months:{FCOL}>0", "start": int(month_day(FIRST))},
           {"node": "retention", "kind": "months", "rule": f"months:{FCOL}>0", "start": int(month_day(FIRST))}]
for node, names in EV_STEPS:
    sel = ev.event.isin(names).to_numpy()
    if not sel.any():
        continue                                            # a default events step without events: dropped
    pos, t = ev_pos[sel].astype(np.int64), ev_t[sel]
    order = np.lexsort((t, pos))
    f_steps.append({"node": node, "kind": "events", "rule": "events:" + ",".join(names),
                    "pos": pos[order], "t": t[order], "start": int(math.floor(t.min() / DAY))})
del ev
# v2 point 3: an events step ends at C0 when some event (any name, any customer) has a local time
# on Q's last day or later, else at the latest local time of any event before C0. One aggregate
# read gives the latest date; only when it is within 3 days of Q's last day (offsets move a local
# time by less than that) are the rows of those last days read and their local times taken.
WS = "char(32, 9, 10, 11, 12, 13)"                          # the blanks of Python's strip
ev_last_day = None
if any(st["kind"] == "events" for st in f_steps):
    mx = sql(f"SELECT max(occurred_at) AS a, max(CASE WHEN occurred_at < '0' THEN trim(occurred_at, {WS}) END) AS b "
             "FROM events").iloc[0]
    _txt = max([x for x in (mx.a, mx.b) if isinstance(x, str)], default=None)
    _d = pd.to_datetime(_txt[:10], format="%Y-%m-%d", errors="coerce") if _txt else pd.NaT
    ev_last_day = None if pd.isna(_d) else (_d - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1)
_latest_event = []


def latest_event():
    """the latest local time of any event (read once, when needed)."""
    if not _latest_event:
        if ev_last_day is None:
            tail = sql("SELECT occurred_at FROM events")
        else:
            tail = sql(f"SELECT occurred_at FROM events WHERE trim(occurred_at, {WS}) >= ?",
                       params=(date_text(ev_last_day - 3),))
        t = local_seconds(tail.occurred_at) if len(tail) else np.array([np.nan])
        _latest_event.append(float(np.nanmax(t)) if not np.isnan(t).all() else None)
    return _latest_event[0]


def events_end(C0):
    if ev_last_day is not None and ev_last_day * DAY >= C0 - DAY + 3 * DAY:
        return C0
    m = latest_event()
    return C0 if m is None or m >= C0 - DAY else m


def f_cutoff(steps, q):
    C0 = quarter_day(q + 1) * DAY
    C = C0
    for st in steps[1:]:
        end = int(month_day(LC + 1)) * DAY if st["kind"] == "months" else events_end(C0)
        C = min(C, end)
    return C


def f_walk(steps, q, C, clip):
    """entrants (customer positions) and their step times (NaN: not reached), quarter q, cut-off C."""
    w_from, w_to = quarter_day(q - (FK - 1)), quarter_day(q + 1) - 1
    entry_from = max([w_from] + [st["start"] for st in steps[1:]]) if clip else w_from
    with np.errstate(invalid="ignore"):
        idx = np.nonzero((opened_day >= entry_from) & (opened_day <= w_to) & (opened_day * DAY < C))[0]
    a = opened_day[idx] * DAY
    times = [a]
    for st in steps[1:]:
        alive = ~np.isnan(a)
        ma = month_of(np.where(alive, a, 0.0))
        lo = ma + 1 if st["node"] == "retention" else ma     # retention: a later calendar month
        nxt = np.full(len(idx), np.nan)
        if st["kind"] == "months":
            mdays = month_day(np.arange(FIRST, LC + 1))
            ok_m = mdays * DAY < C                            # occurrences strictly before C
            jj = np.arange(FIRST, LC + 1)
            cand = AF[:, idx] & ok_m[:, None] & (jj[:, None] >= lo[None, :])
            found = cand.any(axis=0) & alive
            t = mdays[cand.argmax(axis=0)].astype(np.float64) * DAY
            nxt[found] = t[found] if st["node"] == "retention" else np.maximum(t[found], a[found])
        else:
            thr = np.where(st["node"] == "retention", month_day(lo).astype(np.float64) * DAY, a)
            thr_c = np.full(NC, np.inf)
            thr_c[idx[alive]] = thr[alive]
            pos, t = st["pos"], st["t"]
            q_ok = (t < C) & (t >= thr_c[pos])
            up, first = np.unique(pos[q_ok], return_index=True)
            at = np.full(NC, np.nan)
            at[up] = t[q_ok][first]
            nxt = at[idx]
            if st["node"] != "retention":
                nxt = np.maximum(nxt, a)                      # NaN stays NaN
        a = nxt
        times.append(a)
    return idx, times, {"cutoff": C, "window": [date_text(w_from), date_text(w_to)],
                        "entry_from": date_text(entry_from)}


def at_or_before(frame, t):
    return frame.iloc[np.searchsorted(frame.index.to_numpy(), t, side="right") - 1]


def km_summary(dur, obs, groups=None):
    kmf = KaplanMeierFitter(alpha=0.05).fit(dur, obs)
    out = {"median_days": float(kmf.median_survival_time_)}
    med = median_survival_times(kmf.confidence_interval_)
    lo_col = [c for c in med.columns if "lower" in c][0]
    hi_col = [c for c in med.columns if "upper" in c][0]
    out["median_low"], out["median_high"] = float(med[lo_col].iloc[0]), float(med[hi_col].iloc[0])
    for d in (30, 90):
        s = float(at_or_before(kmf.survival_function_, d).iloc[0])
        ci = at_or_before(kmf.confidence_interval_, d)
        out[f"converted_{d}d"] = 1.0 - s
        out[f"converted_{d}d_low"] = 1.0 - float(ci[hi_col])
        out[f"converted_{d}d_high"] = 1.0 - float(ci[lo_col])
    # Greenwood se at 90 days over the event times <= 90 (0 when some n_i = d_i: S(90) = 0)
    et = kmf.event_table
    et = et[(et.index <= 90.0) & (et.observed > 0)]
    n, d = et.at_risk.to_numpy(np.float64), et.observed.to_numpy(np.float64)
    out["converted_90d_se"] = 0.0 if (n == d).any() else (1.0 - out["converted_90d"]) * math.sqrt(
        float(np.sum(d / (n * (n - d)))))
    out["logrank_statistic"] = out["logrank_p"] = None
    if groups is not None and len(np.unique(groups)) >= 2 and obs.any():
        lr = multivariate_logrank_test(dur, groups, obs)
        out["logrank_statistic"], out["logrank_p"] = float(lr.test_statistic), float(lr.p_value)
    return out


F_STAT_KEYS = ["median_days", "median_low", "median_high", "converted_30d", "converted_30d_low",
               "converted_30d_high", "converted_90d", "converted_90d_low", "converted_90d_high",
               "converted_90d_se", "logrank_statistic", "logrank_p"]


def f_compute(steps, q, clip=True):
    C = f_cutoff(steps, q)
    idx, times, info = f_walk(steps, q, C, clip)
    reached = [int((~np.isnan(t)).sum()) for t in times]
    recs = [{"node": st["node"], "rule": st["rule"], "customers": reached[k],
             "step_conversion": None if k == 0 else (reached[k] / reached[k - 1] if reached[k - 1] else None),
             "overall_conversion": reached[k] / reached[0] if reached[0] else None} for k, st in enumerate(steps)]
    groups = fcode[idx]
    trans = []
    for k in range(1, len(steps)):
        risk = ~np.isnan(times[k - 1])
        obs = ~np.isnan(times[k][risk])
        dur = np.where(obs, times[k][risk] - times[k - 1][risk], C - times[k - 1][risk]) / DAY
        rec = {"from": steps[k - 1]["node"], "to": steps[k]["node"], "at_risk": int(risk.sum()),
               "converted": reached[k], "longest_days": float(dur.max()) if len(dur) else None}
        st_ = km_summary(dur, obs, groups[risk]) if len(dur) else None
        rec.update({key: None if st_ is None else st_[key] for key in F_STAT_KEYS})
        trans.append(rec)
    overall = None
    if len(steps) > 1:
        last = len(steps) - 1
        obs = ~np.isnan(times[last])
        dur = np.where(obs, times[last] - times[0], C - times[0]) / DAY
        st_ = km_summary(dur, obs) if len(dur) else None
        overall = {"median_days": st_ and st_["median_days"], "converted_90d": st_ and st_["converted_90d"]}
    return info, recs, trans, overall, reached


FQ = E // 12 * 4 + (E % 12) // 3
f_info, f_recs, f_trans, f_overall, f_reached = f_compute(f_steps, FQ)
# year earlier (v2 point 4): every entrant of its window, the funnel cut before the first step whose
# data start is after the window's first day
YQ = FQ - 4
f_steps_y = [f_steps[0]]
for st in f_steps[1:]:
    if st["start"] > quarter_day(YQ - (FK - 1)):
        break
    f_steps_y.append(st)
if len(f_steps_y) >= 2:
    y_info, _, y_trans, _, y_reached = f_compute(f_steps_y, YQ, clip=False)
else:
    y_info, y_trans, y_reached = None, [], None
f_comparison = []
for i, now in enumerate(f_trans):
    before = y_trans[i] if i < len(y_trans) else None
    rec = {"from": now["from"], "to": now["to"], "difference": None, "z": None, "p": None}
    if (before is not None and now["converted_90d"] is not None and before["converted_90d"] is not None
            and now["longest_days"] >= 90 and before["longest_days"] >= 90):            # v2 point 5
        diff = now["converted_90d"] - before["converted_90d"]
        se = math.sqrt(now["converted_90d_se"] ** 2 + before["converted_90d_se"] ** 2)
        z = diff / se if se > 0 else (math.copysign(math.inf, diff) if diff != 0 else math.nan)
        rec.update(difference=diff, z=z, p=float(2 * stats.norm.sf(abs(z))) if not math.isnan(z) else math.nan)
    f_comparison.append(rec)


def f_clean(x):
    if isinstance(x, dict):
        return {k: f_clean(v) for k, v in x.items()}
    if isinstance(x, list):
        return [f_clean(v) for v in x]
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return None if math.isnan(x) else ("inf" if x > 0 else "-inf") if math.isinf(x) else x
    if isinstance(x, np.integer):
        return int(x)
    return x


funnel = f_clean({
    "source": os.path.basename(args.db), "quarter": f"{FQ // 4:04d}Q{FQ % 4 + 1}", "quarters": FK,
    "cutoff": fmt_local(f_info["cutoff"]), "window": f_info["window"], "entry_from": f_info["entry_from"],
    "steps": f_recs, "transitions": f_trans, "overall": f_overall,
    "year_earlier": {"quarter": f"{YQ // 4:04d}Q{YQ % 4 + 1}",
                     "cutoff": None if y_info is None else fmt_local(y_info["cutoff"]),
                     "steps": [st["node"] for st in f_steps_y],
                     "transitions": [{k: t[k] for k in ("from", "to", "at_risk", "longest_days", "converted_90d",
                                                        "converted_90d_se")} for t in y_trans],
                     "comparison": f_comparison}})

# ---------------------------------------------------------------- output
mean_rows = means.set_index("period")
out = {"seconds": time.perf_counter() - started, "read_seconds": read_seconds, "customers": NC,
       "rows_read": rows_read, "orphan_rows": orphans, "quarter": quarter_label(E),
       "months": f"{label(FIRST)}..{label(LC)}",
       "net_upgrade": net["estimate"], "net_upgrade_year_earlier": year and year["estimate"],
       "net_upgrade_change": change and change["estimate"], "mau_latest": int(MAU[-1]),
       "retention_mean": {int(k): num(mean_rows.rate.get(k)) for k in (1, 3, 6, 12) if k <= K_PERIODS},
       "kpis_all": {r["kpi"]: r["value"] for r in kpis if r["level"] is None},
       "concentration": concentration,
       "funnel_reached": {r["node"]: r["customers"] for r in funnel["steps"]},
       "funnel_activation_converted_90d": next((t["converted_90d"] for t in funnel["transitions"]
                                                if t["to"] == "activation"), None)}
if FULL:
    def clean(o):
        if isinstance(o, dict):
            return {k: clean(v) for k, v in o.items()}
        if isinstance(o, list):
            return [clean(v) for v in o]
        if isinstance(o, (np.bool_, bool)):
            return bool(o)
        if isinstance(o, (np.integer,)):
            return int(o)
        if isinstance(o, (float, np.floating)):
            return num(o)
        return o
    out.update(clean({"retention": retention, "retention_comparison": comparison, "lifecycle": lifecycle,
                      "tiers": tiers, "migration": mig, "net_upgrade_full": net, "year_earlier": year,
                      "change": change, "kpis": kpis, "kpi_changes": kpi_changes, "funnel": funnel}))
    out["seconds"] = time.perf_counter() - started
print(json.dumps(out, ensure_ascii=False))
