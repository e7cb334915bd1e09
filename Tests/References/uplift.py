"""Reference values for Tests/CampaignLabNotebookTests/UpliftTests.swift: the post-campaign uplift
of growth_journey_2026 on datasets/demo-small.sqlite, recomputed with pandas/scipy/statsmodels.

The specification CampaignLab implements (Sources/CampaignLabAnalyses/Campaign/Uplift.swift):
  customers   every assignments row of the campaign; treated = arm 'participant', control = the
              campaign's control_arm; dimensions = every other column of customers.
  support     customers of a dimension level with customers in one arm only are left out.
  windows     post = the campaign's months (2026-09..2026-10); pre = as many months right before
              (2026-07..2026-08); each metric is the mean of the customer's monthly values in a window
              (rollup 'mean'); customers lacking any metric in either window are left out.
  naive       Welch difference of post means (scipy.stats.ttest_ind(equal_var=False) interval).
  multiple    mean change (post - pre) of the treated / of the control, Fieller's interval
              (Fieller 1954), t quantile with Welch-Satterthwaite df.
  DiD         Welch difference of the mean changes.
  regression  statsmodels OLS post ~ d + pre of every metric + C(dimension) for each dimension,
              cov_type='HC1'; z interval.
  IPW         statsmodels TreatmentEffect(...).ipw(effect_group=1) (ATT, normalized weights) with
              the propensity Logit(d ~ log1p(pre of every metric) + dummies); its GMM standard error.
  AIPW        ATT with an OLS outcome model fitted on the controls on [1, pre metrics, dummies]:
              tau = [sum_T r - sum_C e/(1-e) r] / n1 with r = y - m0(x); influence-function SE
              (Mercatanti & Li 2014; the formula in AugmentedIPW.swift), numpy.
  segments    within each level of each dimension, OLS post ~ d + pre metrics, HC1.
Writes Tests/References/uplift_demo_small.json. Run: python3 Tests/References/uplift.py
"""
import json
import sqlite3

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.treatment.treatment_effects import TreatmentEffect

DB = "datasets/demo-small.sqlite"
CAMPAIGN = "growth_journey_2026"
METRICS = ["aum", "products_held", "app_logins"]
DIMS = ["segment", "age_band", "region", "channel"]
PRE, POST = ["2026-07", "2026-08"], ["2026-09", "2026-10"]

con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
cols = ", ".join(
    f"avg(CASE WHEN m.month IN ('{PRE[0]}','{PRE[1]}') THEN m.{x} END) AS pre_{x}, "
    f"avg(CASE WHEN m.month IN ('{POST[0]}','{POST[1]}') THEN m.{x} END) AS post_{x}" for x in METRICS)
df = pd.read_sql_query(f"""
    SELECT a.customer_id, (a.arm = 'participant') AS d, {", ".join("c." + d for d in DIMS)}, {cols}
    FROM assignments a JOIN customers c USING (customer_id)
    LEFT JOIN customer_months m ON m.customer_id = a.customer_id
         AND m.month IN ('{PRE[0]}','{PRE[1]}','{POST[0]}','{POST[1]}')
    WHERE a.campaign_id = ? GROUP BY a.customer_id ORDER BY a.customer_id""", con, params=(CAMPAIGN,))
df = df.dropna(subset=[f"{w}_{x}" for w in ("pre", "post") for x in METRICS]).reset_index(drop=True)
# Common support on the dimensions: drop customers of a level that has customers in one arm only.
keep = np.ones(len(df), bool)
for dim in DIMS:
    arms = df.groupby(dim).d.agg(["min", "max"])
    one_arm = arms.index[arms["min"] == arms["max"]]
    keep &= ~df[dim].isin(one_arm).values
df = df[keep].reset_index(drop=True)
d = df.d.astype(bool).values
out = {"campaign": CAMPAIGN, "included": int(len(df)), "treated": int(d.sum()), "metrics": {}, "segments": {}}

dims = " + ".join(f"C({x})" for x in DIMS)
dummies = pd.get_dummies(df[DIMS].astype(str), drop_first=True).astype(float)
for x in METRICS:
    df["l_pre_" + x] = np.log1p(df["pre_" + x])
Xp = sm.add_constant(pd.concat([df[["l_pre_" + x for x in METRICS]], dummies], axis=1))
logit = sm.Logit(df.d.astype(float), Xp).fit(disp=0, maxiter=200, tol=1e-12)
e = logit.predict(Xp).values
Xo = pd.concat([df[["pre_" + x for x in METRICS]], dummies], axis=1)


def welch(a, b):
    r = stats.ttest_ind(a, b, equal_var=False)
    ci = r.confidence_interval(0.95)
    return {"estimate": float(a.mean() - b.mean()), "low": float(ci.low), "high": float(ci.high), "p": float(r.pvalue)}


def fieller(a, b):
    # Fieller's interval for mean(a)/mean(b), independent samples, t quantile with Welch df.
    m1, m0 = a.mean(), b.mean()
    v1, v0 = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    df_ = (v1 + v0) ** 2 / (v1 ** 2 / (len(a) - 1) + v0 ** 2 / (len(b) - 1))
    q = stats.t.ppf(0.975, df_)
    g = q * q * v0 / (m0 * m0)
    r = m1 / m0
    half = q / (abs(m0) * (1 - g)) * np.sqrt(v1 * (1 - g) + r * r * v0)
    return {"estimate": float(r), "low": float(r / (1 - g) - half), "high": float(r / (1 - g) + half)}


for x in METRICS:
    y, y0 = df["post_" + x].values, df["pre_" + x].values
    ch = y - y0
    res = {"naive": welch(y[d], y[~d]), "did": welch(ch[d], ch[~d]), "multiple": fieller(ch[d], ch[~d]),
           "change_treated": float(ch[d].mean()), "change_control": float(ch[~d].mean())}
    ols = smf.ols(f"post_{x} ~ d + " + " + ".join("pre_" + m for m in METRICS) + " + " + dims, df).fit(cov_type="HC1")
    ci = ols.conf_int().loc["d"]
    res["regression"] = {"estimate": float(ols.params["d"]), "se": float(ols.bse["d"]), "low": float(ci[0]), "high": float(ci[1])}
    # IPW ATT in closed form (normalized weights e/(1-e) on the controls) and its M-estimation
    # standard error (stacked logit score and weighted-mean equations, Lunceford & Davidian 2004),
    # written out in numpy; statsmodels' TreatmentEffect solves the same equations by GMM
    # numerically, so its values are kept as a cross-check at ~1e-5.
    odds = e / (1 - e)
    mu1, mu0 = y[d].mean(), np.sum(odds[~d] * y[~d]) / np.sum(odds[~d])
    X1 = Xp.values
    T = d.astype(float)
    psi = np.column_stack([(T - e)[:, None] * X1, T * (y - mu1), (1 - T) * odds * (y - mu0)])
    p = X1.shape[1]
    A = np.zeros((p + 2, p + 2))
    A[:p, :p] = (X1 * (e * (1 - e))[:, None]).T @ X1
    A[p, p] = T.sum()
    A[p + 1, p + 1] = np.sum((1 - T) * odds)
    A[p + 1, :p] = -np.sum(((1 - T) * odds * (y - mu0))[:, None] * X1, axis=0)
    B = psi.T @ psi
    c = np.zeros(p + 2); c[p], c[p + 1] = 1, -1
    z = np.linalg.solve(A.T, c)
    te = TreatmentEffect(sm.OLS(y, sm.add_constant(Xo)), df.d.astype(int).values, results_select=logit)
    ipw = te.ipw(return_results=True, effect_group=1)
    res["ipw"] = {"estimate": float(mu1 - mu0), "se": float(np.sqrt(z @ B @ z)),
                  "statsmodels_gmm_estimate": float(ipw.effect[0]), "statsmodels_gmm_se": float(ipw.sd[0])}
    m0 = sm.OLS(y[~d], sm.add_constant(Xo[~d])).fit()
    r = y - m0.predict(sm.add_constant(Xo, has_constant="add"))
    n1 = d.sum()
    odds = e / (1 - e)
    tau = (r[d].sum() - (odds[~d] * r[~d]).sum()) / n1
    phi = np.where(d, r - tau, -odds * r)
    res["aipw"] = {"estimate": float(tau), "se": float(np.sqrt((phi ** 2).sum()) / n1)}
    out["metrics"][x] = res
    seg = []
    for dim in DIMS:
        for level in sorted(df[dim].astype(str).unique()):
            sub = df[df[dim].astype(str) == level]
            t1, t0 = int(sub.d.sum()), int((1 - sub.d).sum())
            if t1 >= len(METRICS) + 3 and t0 >= len(METRICS) + 3:
                f = smf.ols(f"post_{x} ~ d + " + " + ".join("pre_" + m for m in METRICS), sub).fit(cov_type="HC1")
                seg.append({"dimension": dim, "level": level, "estimate": float(f.params["d"]), "se": float(f.bse["d"])})
    out["segments"][x] = seg

with open("Tests/References/uplift_demo_small.json", "w") as f:
    json.dump(out, f, indent=1)
print(json.dumps({x: {k: v for k, v in out["metrics"][x].items() if k in ("regression", "ipw", "aipw")} for x in METRICS}, indent=1))

# Year over year (CampaignYearOverYear, same months a year earlier): each customer's change
# (campaign months - pre-period) this year and in 2025-07..2025-10; activity factor = mean of
# (change this year - change last year) over participants (t interval), market factor = the same
# over non-participants, triple difference = Welch difference of the two; YoY growth = campaign-
# month mean this year / last year - 1 with the paired delta-method variance
# (Var x - 2 r Cov(x, y) + r^2 Var y) / (n ybar^2). Customers need all four windows; no support rule.
PRE_LY, POST_LY = ["2025-07", "2025-08"], ["2025-09", "2025-10"]
months = PRE + POST + PRE_LY + POST_LY
cols = ", ".join(f"avg(CASE WHEN m.month IN ('{w[0]}','{w[1]}') THEN m.{x} END) AS {n}_{x}"
                 for n, w in (("pre", PRE), ("post", POST), ("prely", PRE_LY), ("postly", POST_LY)) for x in METRICS)
y = pd.read_sql_query(f"""
    SELECT a.customer_id, (a.arm = 'participant') AS d, {cols}
    FROM assignments a JOIN customer_months m ON m.customer_id = a.customer_id
         AND m.month IN ({", ".join("'" + m + "'" for m in months)})
    WHERE a.campaign_id = ? GROUP BY a.customer_id ORDER BY a.customer_id""", con, params=(CAMPAIGN,)).dropna()
yd = y.d.astype(bool).values
out["yoy"] = {"included": int(len(y)), "metrics": {}}
for x in METRICS:
    ddd = (y["post_" + x] - y["pre_" + x] - (y["postly_" + x] - y["prely_" + x])).values
    res = {}
    for name, mask in (("participant", yd), ("non_participant", ~yd)):
        v = ddd[mask]
        se = v.std(ddof=1) / np.sqrt(len(v))
        q = stats.t.ppf(0.975, len(v) - 1)
        a, b = y.loc[mask, "post_" + x].values, y.loc[mask, "postly_" + x].values
        r = a.mean() / b.mean()
        var = (a.var(ddof=1) - 2 * r * np.cov(a, b)[0, 1] + r * r * b.var(ddof=1)) / (len(a) * b.mean() ** 2)
        res[name] = {"factor": float(v.mean()), "low": float(v.mean() - q * se), "high": float(v.mean() + q * se),
                     "growth": float(r - 1), "growth_se": float(np.sqrt(var))}
    res["triple"] = welch(ddd[yd], ddd[~yd])
    out["yoy"]["metrics"][x] = res

with open("Tests/References/uplift_demo_small.json", "w") as f:
    json.dump(out, f, indent=1)
