"""The peer of the A/B readout benchmark: the pandas + numpy + scipy + statsmodels notebook an
analyst would write to compute the same numbers as `campaignlab readout --db DB --campaign ID`
from the same SQLite file, vectorized (no per-row Python loops).

Usage: python3 readout_peer.py DB CAMPAIGN  -> one JSON line: seconds, read_seconds, customers,
events_read, the default absolute estimate (CUPED when used) and the Holm-adjusted p-value of
every "METRIC|ARM". (With READOUT_PEER_FULL=1 in the environment the line also carries every
intermediate number, for checking against the reference; the timed runs do not set it.)
The specification is /tmp/spec/readout-spec.md, the one of Tests/References/readout.py (same
windows, covariates and formulas): every metric of metric_definitions plus every undefined
numeric customer_months column (rollup mean), every variant vs control; CUPED and unadjusted
Welch tests, relative effects by the delta method, ratio metrics by the delta method, Holm,
Bayesian chance to win / expected loss, sample-ratio chi-square. Reporting zone +08:00
(naive timestamps are local; ones with an offset are converted). No --as-of (a final read:
no confidence sequence), equal planned split. Customer ids are matched by SQLite (a join on
the stored values), not canonicalized the way the reference does (17 vs '17').
"""
import json
import os
import sqlite3
import sys
import time

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

db, campaign = sys.argv[1], sys.argv[2]
started = time.perf_counter()
read_seconds = 0.0
ZONE_NS = 8 * 3600 * 10**9  # reporting zone +08:00
DAY = pd.Timedelta(days=1)
ALPHA = 0.05
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)


def sql(query, params=()):
    global read_seconds
    t = time.perf_counter()
    out = pd.read_sql_query(query, con, params=params)
    read_seconds += time.perf_counter() - t
    return out


def has_tz(col):
    """SQL flag: the text carries an offset ('Z' or +-hh:mm after the date part)."""
    return f"({col} LIKE '%Z' OR substr({col}, 11) GLOB '*[+-]*')"


def local_ns(text, tz):
    """ISO 8601 texts -> int64 ns of reporting-zone wall time. to_datetime(utc=True) reads naive
    texts as UTC (= their wall time, already local) and converts offset texts to UTC; those get +8 h."""
    t = pd.to_datetime(text, format="ISO8601", utc=True).dt.tz_localize(None)
    return t.to_numpy("datetime64[ns]").astype(np.int64) + tz.to_numpy(np.int64) * ZONE_NS


# ---------------------------------------------------------------- campaign, metrics, customers
camp = sql("SELECT starts_on, ends_on, control_arm FROM campaigns WHERE campaign_id = ?", (campaign,)).iloc[0]
control = str(camp.control_arm)
start, end = pd.Timestamp(camp.starts_on.strip()), pd.Timestamp(camp.ends_on.strip())
L = (end - start).days + 1
T0, T1 = start.value, (end + DAY).value
PRE0 = (start - L * DAY).value

try:
    defs = sql("SELECT * FROM metric_definitions ORDER BY rowid")
except Exception:
    defs = sql("SELECT * FROM metric_definitions")
for c in ("source", "rollup", "event", "numerator", "denominator", "higher_is_better"):
    if c not in defs:
        defs[c] = None
mcols = con.execute("PRAGMA table_info(customer_months)").fetchall()
extra = []
for _, name, decl, *_ in mcols:  # every other numeric customer_months column: a metric, rollup mean
    if name in ("customer_id", "month") or name in set(defs.metric):
        continue
    decl = (decl or "").upper()
    if decl:
        numeric = any(k in decl for k in ("INT", "REAL", "FLOA", "DOUB", "NUM", "DEC"))
    else:
        kinds = {r[0] for r in con.execute(f'SELECT DISTINCT typeof("{name}") FROM customer_months')}
        numeric = kinds <= {"integer", "real", "null"} and kinds != {"null"}
    if numeric:
        extra.append({"metric": name, "source": "months", "rollup": "mean", "higher_is_better": 1})
defs = pd.concat([defs, pd.DataFrame(extra)], ignore_index=True) if extra else defs
defs["source"] = defs.source.fillna("").str.lower()
defs["is_ratio"] = defs.numerator.notna() | defs.denominator.notna()
by_name = defs.set_index("metric")

asg = sql(f"SELECT customer_id, arm, assigned_at, {has_tz('assigned_at')} AS tz "
          "FROM assignments WHERE campaign_id = ?", (campaign,))
asg["at"] = local_ns(asg.assigned_at, asg.tz)
asg = asg[asg["at"] < T1].reset_index(drop=True)  # not yet in the test: left out
n = len(asg)
cust = pd.Index(asg.customer_id)
arm = asg.arm.astype(str).to_numpy()
variants = sorted(set(arm) - {control})
arms = [control] + variants
assigned_ns = asg["at"].to_numpy()

# ---------------------------------------------------------------- events metrics
ev_defs = defs[(defs.source == "events") & ~defs.is_ratio]
values = {}  # metric -> (post Series over customers (NaN = left out), pre Series)
events_read = 0
if len(ev_defs):
    ecols = {r[1] for r in con.execute("PRAGMA table_info(events)")}
    names = sorted(ev_defs.event.astype(str).unique())
    # SQL filter on the text of occurred_at, a day of margin each side for offsets
    lo = (pd.Timestamp(min(PRE0, assigned_ns.min())).normalize() - DAY).strftime("%Y-%m-%d")
    hi = (end + 2 * DAY).strftime("%Y-%m-%d")
    camp_filter = "AND (campaign_id = ? OR campaign_id IS NULL)" if "campaign_id" in ecols else ""
    ev = sql(f"""
        SELECT customer_id, event, occurred_at, {'value' if 'value' in ecols else 'NULL AS value'},
               {has_tz('occurred_at')} AS tz
        FROM events
        WHERE event IN ({','.join('?' * len(names))}) AND occurred_at >= ? AND occurred_at < ? {camp_filter}
          AND customer_id IN (SELECT customer_id FROM assignments WHERE campaign_id = ?)""",
             (*names, lo, hi, *([campaign] if camp_filter else []), campaign))
    events_read = len(ev)
    pos = cust.get_indexer(ev.customer_id)
    t = local_ns(ev.occurred_at, ev.tz)
    ok = pos >= 0  # (customers assigned after T1 are not in the readout)
    post = ok & (t >= assigned_ns[np.where(ok, pos, 0)]) & (t < T1)
    pre = ok & (t >= PRE0) & (t < T0)
    event = ev.event.astype(str).to_numpy()
    val = pd.to_numeric(ev.value, errors="coerce").fillna(0.0).to_numpy(float)  # NULL value counts 0
    for d in ev_defs.itertuples():
        rollup = str(d.rollup or "count").lower()
        is_e = event == str(d.event)
        w = val if rollup == "sum" else None
        out = []
        for win in (post, pre):
            m = is_e & win
            y = np.bincount(pos[m], weights=None if w is None else w[m], minlength=n).astype(float)
            out.append(pd.Series((y > 0).astype(float) if rollup == "any" else y))
        values[d.metric] = tuple(out)

# ---------------------------------------------------------------- months metrics
mo_defs = defs[(defs.source == "months") & ~defs.is_ratio]
if len(mo_defs):
    def shift(month, k):
        i = month.year * 12 + month.month - 1 + k
        return f"{i // 12:04d}-{i % 12 + 1:02d}"
    n_months = (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1
    POST = [shift(start, k) for k in range(n_months)]
    PRE = [shift(start, k - n_months) for k in range(n_months)]
    cols = list(dict.fromkeys(mo_defs.metric))
    mo = sql(f"""SELECT customer_id, month, {', '.join(f'"{c}"' for c in cols)}
        FROM customer_months WHERE month IN ({','.join('?' * (2 * n_months))})
          AND customer_id IN (SELECT customer_id FROM assignments WHERE campaign_id = ?)""",
             (*PRE, *POST, campaign))
    mo["pos"] = cust.get_indexer(mo.customer_id)
    mo = mo[mo.pos >= 0]
    in_post = mo.month.isin(POST)
    for d in mo_defs.itertuples():
        rollup = str(d.rollup or "mean").lower()
        v = pd.to_numeric(mo[d.metric], errors="coerce")
        out = []
        for win in (in_post, ~in_post):
            rows = pd.DataFrame({"pos": mo.pos[win], "month": mo.month[win], "v": v[win]}).dropna(subset=["v"])
            if rollup == "last":
                r = rows.sort_values("month").groupby("pos").v.last()
            else:
                r = rows.groupby("pos").v.agg(rollup)
            out.append(r.reindex(range(n)))
        post_v, pre_v = out
        if pre_v.notna().any():
            pre_v = pre_v.fillna(pre_v.mean())  # no pre value: mean of all customers having one
        values[d.metric] = (post_v, pre_v)  # NaN post: left out of this metric


# ---------------------------------------------------------------- estimates
def welch(yt, yc):
    nt, nc = len(yt), len(yc)
    mt, mc = yt.mean(), yc.mean()
    vt, vc = yt.var(ddof=1) / nt, yc.var(ddof=1) / nc
    est, se = mt - mc, np.sqrt(vt + vc)
    df = (vt + vc) ** 2 / (vt ** 2 / (nt - 1) + vc ** 2 / (nc - 1))
    q = stats.t.ppf(1 - ALPHA / 2, df)
    p = stats.ttest_ind(yt, yc, equal_var=False).pvalue
    rel = mt / mc - 1
    rse = np.sqrt(vt / mc ** 2 + mt ** 2 * vc / mc ** 4)
    return dict(estimate=est, se=se, df=df, low=est - q * se, high=est + q * se, p_value=p, relative=rel,
                relative_se=rse, relative_low=rel - q * rse, relative_high=rel + q * rse, n_treatment=nt,
                n_control=nc, mean_treatment=mt, mean_control=mc)


def ratio_arm(N, D):
    mN, mD = N.mean(), D.mean()
    sND = np.cov(N, D, ddof=1)[0, 1]
    var = (N.var(ddof=1) / mD ** 2 - 2 * mN * sND / mD ** 3 + mN ** 2 * D.var(ddof=1) / mD ** 4) / len(N)
    return N.sum() / D.sum(), var


z = stats.norm.ppf(1 - ALPHA / 2)
rows = []
for d in defs.itertuples():
    hib = True if pd.isna(d.higher_is_better) else bool(int(d.higher_is_better))
    if d.is_ratio:
        N, D = values[d.numerator][0], values[d.denominator][0]
        both = N.notna() & D.notna()
        for a in variants:
            (rt, vt), (rc, vc) = [ratio_arm(N[both & (arm == g)].to_numpy(), D[both & (arm == g)].to_numpy())
                                  for g in (a, control)]
            est, se = rt - rc, np.sqrt(vt + vc)
            rel, rse = rt / rc - 1, np.sqrt(vt / rc ** 2 + rt ** 2 * vc / rc ** 4)
            r = dict(estimate=est, se=se, low=est - z * se, high=est + z * se, p_value=2 * stats.norm.sf(abs(est / se)),
                     relative=rel, relative_se=rse, relative_low=rel - z * rse, relative_high=rel + z * rse,
                     n_treatment=int((both & (arm == a)).sum()), n_control=int((both & (arm == control)).sum()),
                     mean_treatment=rt, mean_control=rc)
            u = r
            rows.append(dict(metric=d.metric, arm=a, hib=hib, cuped=False, theta=None, **r,
                             **{f"unadjusted_{k}": u[k] for k in ("estimate", "low", "high", "p_value")}))
        continue
    post, pre = values[d.metric]
    has = post.notna().to_numpy()
    for a in variants:
        mt, mc = has & (arm == a), has & (arm == control)
        yt, yc = post[mt].to_numpy(float), post[mc].to_numpy(float)
        xt, xc = pre[mt].to_numpy(float), pre[mc].to_numpy(float)
        u = welch(yt, yc)
        x, y = np.concatenate([xt, xc]), np.concatenate([yt, yc])
        cuped = bool(len(x) and np.isfinite(x).all() and x.max() != x.min())
        theta = None
        r = u
        if cuped:
            xbar, ybar = x.mean(), y.mean()
            theta = np.sum((x - xbar) * (y - ybar)) / np.sum((x - xbar) ** 2)
            r = welch(yt - theta * (xt - xbar), yc - theta * (xc - xbar))
            r.update(mean_treatment=yt.mean(), mean_control=yc.mean())
        rows.append(dict(metric=d.metric, arm=a, hib=hib, cuped=cuped, theta=theta, **r,
                         **{f"unadjusted_{k}": u[k] for k in ("estimate", "low", "high", "p_value")}))

res = pd.DataFrame(rows)
res["p_adjusted"] = np.nan
ok = np.isfinite(res.p_value.astype(float))
res.loc[ok, "p_adjusted"] = multipletests(res.p_value[ok].astype(float), alpha=ALPHA, method="holm")[1]
# Bayesian, flat prior on the relative effect
dgood = np.where(res.hib, res.relative, -res.relative) / res.relative_se
res["chance_to_win"] = stats.norm.cdf(dgood)
res["expected_loss"] = res.relative_se * (stats.norm.pdf(dgood) - dgood * stats.norm.cdf(-dgood))
# Sample-ratio mismatch against an equal split
counts = [int((arm == g).sum()) for g in arms]
srm = stats.chisquare(counts)

key = res.metric + "|" + res.arm
out = {"seconds": time.perf_counter() - started, "read_seconds": read_seconds, "customers": n,
       "events_read": events_read, "estimates": dict(zip(key, res.estimate.astype(float))),
       "p_adjusted": dict(zip(key, res.p_adjusted.astype(float)))}
if os.environ.get("READOUT_PEER_FULL"):
    out["srm"] = {"statistic": float(srm.statistic), "p_value": float(srm.pvalue)}
    out["arm_counts"] = dict(zip(arms, counts))
    out["full"] = {k: {c: (v.item() if hasattr(v, "item") else v) for c, v in r.items()}
                   for k, r in res.drop(columns="hib").set_index(key).to_dict(orient="index").items()}
    for r in out["full"].values():
        r["theta"] = None if pd.isna(r["theta"]) else r["theta"]
print(json.dumps(out))
