"""The peer of the post-campaign review benchmark: the pandas + statsmodels notebook an analyst
would write to compute the same numbers as `campaignlab render notebooks-md/post-campaign-review.md`
(uplift by five methods with balance, segments, year over year) from the same SQLite file.

Usage: python3 review_peer.py DB CAMPAIGN  -> one JSON line: seconds and the AIPW estimates.
The specification is the one of Tests/References/uplift.py (same windows, support rule,
covariates and formulas), here for any database and campaign with months metrics
aum, products_held, app_logins and the customers dimensions of the demo bank.
"""
import json
import sqlite3
import sys
import time

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

db, campaign = sys.argv[1], sys.argv[2]
started = time.perf_counter()
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
METRICS = ["aum", "products_held", "app_logins"]
DIMS = [r[1] for r in con.execute("PRAGMA table_info(customers)") if r[1] not in ("customer_id", "opened_on")]


def shift(month, k):
    y, m = map(int, month.split("-"))
    i = y * 12 + m - 1 + k
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


starts, ends = con.execute("SELECT starts_on, ends_on FROM campaigns WHERE campaign_id = ?", (campaign,)).fetchone()
first, last = starts[:7], ends[:7]
n_months = (int(last[:4]) * 12 + int(last[5:7])) - (int(first[:4]) * 12 + int(first[5:7])) + 1
POST = [shift(first, k) for k in range(n_months)]
PRE = [shift(first, k - n_months) for k in range(n_months)]
PRE_LY, POST_LY = [shift(m, -12) for m in PRE], [shift(m, -12) for m in POST]
windows = {"pre": PRE, "post": POST, "prely": PRE_LY, "postly": POST_LY}
inlist = lambda ms: ", ".join(f"'{m}'" for m in ms)
cols = ", ".join(f"avg(CASE WHEN m.month IN ({inlist(w)}) THEN m.{x} END) AS {n}_{x}" for n, w in windows.items() for x in METRICS)
df = pd.read_sql_query(f"""
    SELECT a.customer_id, (a.arm = 'participant') AS d, {", ".join("c." + d for d in DIMS)}, {cols}
    FROM assignments a JOIN customers c USING (customer_id)
    LEFT JOIN customer_months m ON m.customer_id = a.customer_id
         AND m.month IN ({inlist(PRE + POST + PRE_LY + POST_LY)})
    WHERE a.campaign_id = ? GROUP BY a.customer_id ORDER BY a.customer_id""", con, params=(campaign,))
read_seconds = time.perf_counter() - started

# Uplift: complete cases, common support on dimensions.
u = df.dropna(subset=[f"{w}_{x}" for w in ("pre", "post") for x in METRICS]).reset_index(drop=True)
keep = np.ones(len(u), bool)
for dim in DIMS:
    arms = u.groupby(dim).d.agg(["min", "max"])
    keep &= ~u[dim].isin(arms.index[arms["min"] == arms["max"]]).values
u = u[keep].reset_index(drop=True)
d = u.d.astype(bool).values
dims = " + ".join(f"C({x})" for x in DIMS)
dummies = pd.get_dummies(u[DIMS].astype(str), drop_first=True).astype(float)
for x in METRICS:
    u["l_pre_" + x] = np.log1p(u["pre_" + x])
Xp = sm.add_constant(pd.concat([u[["l_pre_" + x for x in METRICS]], dummies], axis=1))
logit = sm.Logit(u.d.astype(float), Xp).fit(disp=0, maxiter=200)
e = logit.predict(Xp).values
odds = e / (1 - e)
Xo = sm.add_constant(pd.concat([u[["pre_" + x for x in METRICS]], dummies], axis=1))
result = {}
for x in METRICS:
    y, y0 = u["post_" + x].values, u["pre_" + x].values
    ch = y - y0
    stats.ttest_ind(y[d], y[~d], equal_var=False)
    stats.ttest_ind(ch[d], ch[~d], equal_var=False)
    smf.ols(f"post_{x} ~ d + " + " + ".join("pre_" + m for m in METRICS) + " + " + dims, u).fit(cov_type="HC1")
    mu1, mu0 = y[d].mean(), np.sum(odds[~d] * y[~d]) / np.sum(odds[~d])
    # balance: weighted SMD of each propensity covariate
    for col in Xp.columns[1:]:
        v = Xp[col].values
        sd = np.sqrt((v[d].var(ddof=1) + v[~d].var(ddof=1)) / 2)
        _ = (v[d].mean() - np.average(v[~d], weights=odds[~d])) / sd if sd > 0 else 0
    m0 = sm.OLS(y[~d], Xo[~d]).fit()
    r = y - m0.predict(Xo)
    tau = (r[d].sum() - (odds[~d] * r[~d]).sum()) / d.sum()
    result[x] = float(tau)
    for dim in DIMS:
        for level in u[dim].astype(str).unique():
            sub = u[u[dim].astype(str) == level]
            if sub.d.sum() >= len(METRICS) + 3 and (1 - sub.d).sum() >= len(METRICS) + 3:
                smf.ols(f"post_{x} ~ d + " + " + ".join("pre_" + m for m in METRICS), sub).fit(cov_type="HC1")

# Year over year.
yy = df.dropna(subset=[f"{w}_{x}" for w in windows for x in METRICS])
yd = yy.d.astype(bool).values
for x in METRICS:
    ddd = (yy["post_" + x] - yy["pre_" + x] - (yy["postly_" + x] - yy["prely_" + x])).values
    stats.ttest_ind(ddd[yd], ddd[~yd], equal_var=False)
    for mask in (yd, ~yd):
        a, b = yy.loc[mask, "post_" + x].values, yy.loc[mask, "postly_" + x].values
        np.cov(a, b)

# Funnel (the rule of Tests/References/funnel.py, vectorized the way an analyst would):
# first occurrence of each step after the previous one, within the window; KM and log-rank.
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
STEPS = ["assigned", "page_view", "click", "enroll", "task_complete", "reward"]
control, = con.execute("SELECT control_arm FROM campaigns WHERE campaign_id = ?", (campaign,)).fetchone()
end_next = (pd.Timestamp(ends) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
people = pd.read_sql_query(f"""SELECT a.customer_id, a.assigned_at, c.{DIMS[0]} AS seg FROM assignments a LEFT JOIN customers c USING (customer_id)
    WHERE a.campaign_id = ? AND a.arm <> ?""", con, params=(campaign, control))
ev = pd.read_sql_query(f"""SELECT customer_id, event, occurred_at FROM events WHERE event IN ({",".join("?" * 5)})
    AND (campaign_id = ? OR campaign_id IS NULL) AND occurred_at >= ? AND occurred_at < ?""", con,
                       params=STEPS[1:] + [campaign, starts, end_next])
ev["t"] = pd.to_datetime(ev.occurred_at).astype("int64") / 1e9
window_end = min(pd.Timestamp(end_next).value / 1e9, ev.t.max())
people["entry"] = pd.to_datetime(people.assigned_at).astype("int64") / 1e9
cur = people[["customer_id", "entry"]].rename(columns={"entry": "at"})
reached = [len(cur)]
for step in STEPS[1:]:
    m = cur.merge(ev[ev.event == step][["customer_id", "t"]], on="customer_id")
    m = m[(m.t >= m["at"]) & (m.t <= window_end)]
    cur = m.groupby("customer_id", as_index=False).t.min().rename(columns={"t": "at"})
    reached.append(len(cur))
done = people.merge(cur, on="customer_id", how="left")
observed = done["at"].notna().values
durations = np.maximum(0, (np.where(observed, done["at"], window_end) - done.entry) / 86400)
KaplanMeierFitter().fit(durations, observed)
multivariate_logrank_test(durations, done.seg.fillna("(missing)").values, observed)

print(json.dumps({"seconds": time.perf_counter() - started, "funnel_reached": reached, "read_seconds": read_seconds, "aipw": result,
                  "customers": int(len(u))}))
