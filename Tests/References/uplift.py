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

Weighting and doubly robust extensions (formulas of Tests/References/weighting_methods.py, copied
here). T = participant, n = included, n1 = treated, n0 = controls, y = post, dY = post - pre of the
metric, m = treated mean of post, Phi the standard normal, z = 1.959964.
  entropy     Entropy balancing ATT of post (Hainmueller 2012). Balancing columns, in this order
              (top-level "entropy_columns"): pre of every metric (METRICS order); log1p(pre) of every
              metric whose pre is >= 0 for all included customers; the regression's dimension
              dummies (every level but the first, levels sorted by name, DIMS order). Dropped (top-
              level "entropy_dropped", [{column, reason}]): columns constant over all customers,
              then, in column order, a column whose residual on [1, kept earlier columns] among
              the controls has norm <= 1e-9 x its centred norm ("collinear"). Control weights
              w_i = exp(lam'x_i)/sum, sum_c w x = treated means exactly: Newton with backtracking on
              the dual log sum_c exp(l'z_i), z = (x - treated mean)/sd_controls(x) (ddof 1), until the
              largest |gradient| (= the weighted gap in control-sd units) < 1e-11 ("dual_gradient_max",
              "max_balance_gap_sd"); feasibility first checked by a linear program (max over control
              weights of the smallest weight must be > 0). estimate = mu1 - mu0 (mu1 = m, mu0 =
              sum w y); se from the stacked M-estimation sandwich J^-1 B J^-T over theta = (treated
              means, lam, mu1, mu0) with psi as in weighting_methods.py section A (B = sum psi psi',
              c = max_c lam'x held fixed) and the ANALYTIC J; "se_numerical" the same with J by central
              differences (steps 1e-5 sd(x_j), 1e-5/sd(x_j), 1e-5 sd(y)). low/high = estimate -/+ z se,
              p = 2 Phi(-|estimate/se|). "relative" = mu1/mu0 - 1, "relative_se" by the delta method on
              the analytic V (gradient 1/mu0, -mu1/mu0^2), null when mu0 - z sqrt(V[mu0,mu0]) <= 0;
              "treated_mean" = mu1, "counterfactual_mean" = mu0; "effective_controls" = 1/sum w^2
              (w summing to 1, = (sum w)^2/sum w^2); "largest_weight" = n0 max w (weights scaled to
              average 1 over the controls). The per-unit influence phi = -(c'J^-1)psi_i (c picks
              mu1 - mu0; sum phi^2 = se^2) is also checked against the closed form of
              EntropyBalancing.swift.
  ipw_change  The IPW above (same logit, same sandwich) with outcome dY: estimate, se.
  drdid       Sant'Anna & Zhao (2020) traditional DR DiD, DRDiD::drdid_panel without trimming
              (weighting_methods.py section C): dY; propensity = the IPW logit above; outcome model
              OLS of dY on [1, pre of every metric, dummies] among the controls; se = sqrt(sum inf^2)/n
              (not R's sd); "max_control_propensity" (DRDiD would trim controls above 0.995).
  relative    Under naive, did, regression, ipw, aipw, drdid: r = tau/(m - tau) (the counterfactual is
              the post level, also for did and drdid), Var r = s sum_i (m phi_i - tau psi_i)^2/c^4 with
              c = m - tau, psi_i = T_i(y_i - m)/n1 and phi the influence of tau: naive
              T(y - ybar1)/n1 - (1-T)(y - ybar0)/n0; did the same with dY; regression
              [(X'X)^-1 x_i]_d e_i (X the full OLS design with intercept, e the residuals) with
              s = n/(n - p), p the columns of X (sum phi^2 s = the HC1 variance); ipw the stacked
              sandwich influence (A^-T c)'psi_i; aipw phi/n1 (phi as above); drdid inf/n; s = 1 except
              for regression. Null (both) when c - z sqrt(s sum (psi - phi)^2) <= 0.
  honest_multiple  g1 = treated mean of dY ("treated_change"); g0 = g1 - entropy estimate
              ("counterfactual_change"), se sqrt(sum (phi_g1 - phi_eb)^2) with phi_g1 = T(dY - g1)/n1
              and phi_eb the entropy influence; "multiple" = g1/g0.
  segments_entropy  For each metric, dimension (DIMS order) and level (sorted by name): the level's
              customers, by the rules of UpliftSegments.swift (levelEstimates) and EntropyBalancing.swift.
              Skipped ("fewer than 10 customers in an arm") unless both arms have >= 10. Otherwise
              entropy balancing as above within the level on the full set [pre of every metric,
              log1p(pre) of the metrics non-negative on the whole included sample, dummies of the other
              dimensions built within the level (levels present there, first dropped)], constant/
              collinear columns dropped as above ("dropped"), with two rules:
              (1) Boundary solutions are accepted, as their limit. A cell (level v of another dimension)
              with controls but no participants within the level forces weight 0 on its controls in
              every balancing solution (the dummy has treated mean 0, or, for the first level, the other
              dummies of that dimension sum to 1 over the treated); the Swift Newton iteration reaches a
              gap < tolerance by sending those weights to 0. The reference computes the limit directly:
              those controls are left out ("zero_weight": [{cell: "<dimension>_<level>", controls}],
              "zero_weight_controls" their total), the dummies stay those of the whole level (so the
              cell's dummy is now constant and shows in "dropped"), the columns are screened again on
              the kept units and entropy balancing runs on them; estimate, se and se_numerical come
              from the kept units only (weight-0 controls contribute nothing to the sandwich).
              "control" still counts every control of the level, "effective_controls" = 1/sum w^2 over
              the kept ones, "largest_weight" = max w x all the level's controls (Swift scales the
              weights to average 1 over all of them, weight-0 ones included). A boundary not due to
              such cells (the LP margin of the kept controls <= 1e-9) stays infeasible.
              (2) When the full set is infeasible (treated means outside the controls' convex hull, a
              column constant among the controls but not among the treated, or a collinear column that
              the kept ones do not balance), the level is balanced on the pre-period metric columns
              only: pre of every metric + log1p(pre) of the non-negative metrics, NO dimension dummies,
              constant/collinear columns dropped, rule (1) not needed (no cells); if that balances, the
              level is estimated with "fallback": "metrics_only" and "fallback_reason" (why the full
              set failed); if not, estimate etc. null with "reason" = "infeasible: <full set>; on the
              pre-period metrics alone: <why>". "fallback" is null for every other level.
              A list with one object per metric and level {metric, dimension, level, treated, control,
              estimate, se, p, p_holm, p_bh, shrunken, posterior_sd, shrunken_sd_swift_rule, fallback,
              reason, and for estimated levels se_numerical, effective_controls, largest_weight,
              dropped, zero_weight, zero_weight_controls (fallback_reason)}.
              Per metric x dimension over ALL the estimated levels (k of them, boundary and fallback
              levels included): p = 2 Phi(-|est/se|); Holm and Benjamini-Hochberg (statsmodels
              multipletests); DerSimonian-Laird tau2 (>= 0), mu (weights ws = 1/(se^2 + tau2)),
              shrunken = mu + tau2/(tau2 + se^2)(est - mu), posterior_sd = sqrt(tau2 se^2/(tau2 + se^2))
              (weighting_methods.py section E; checked against statsmodels combine_effects);
              "shrunken_sd_swift_rule" = what UpliftSegments.swift reports as shrunkenStandardDeviation:
              posterior_sd when tau2 > 0, else the standard error of mu, 1/sqrt(sum ws) (posterior_sd
              is then 0); null, like p_holm/p_bh/shrunken, when k < 2 (Swift's combine needs 2).
              Top-level "segments_entropy_dimensions": a list of {metric, dimension, levels: k, tau2,
              mu, Q (Cochran), Q_p = chi2 sf(Q, k - 1)}, all but k null when k < 2.
Writes Tests/References/uplift_demo_small.json. Run: python3 Tests/References/uplift.py
"""
import json
import os
import sqlite3

# One BLAS thread: multithreaded OpenBLAS splits the large products differently with the thread
# count, which moves the last digits of the sandwich standard errors.
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.stats.multitest import multipletests
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
influence = {}


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
    # Per-unit influence functions of the estimates above, for the relative effects (section below).
    influence[x] = {"ipw": (mu1 - mu0, psi @ z, 1.0), "aipw": (tau, phi / n1, 1.0), "ols": ols}
    seg = []
    for dim in DIMS:
        for level in sorted(df[dim].astype(str).unique()):
            sub = df[df[dim].astype(str) == level]
            t1, t0 = int(sub.d.sum()), int((1 - sub.d).sum())
            if t1 >= len(METRICS) + 3 and t0 >= len(METRICS) + 3:
                f = smf.ols(f"post_{x} ~ d + " + " + ".join("pre_" + m for m in METRICS), sub).fit(cov_type="HC1")
                seg.append({"dimension": dim, "level": level, "estimate": float(f.params["d"]), "se": float(f.bse["d"])})
    out["segments"][x] = seg

# ---------------------------------------------------------------- weighting and doubly robust extensions
# (the formulas of Tests/References/weighting_methods.py, copied here so this script stands alone)
Z975 = 1.959964


def nullable(v):
    return None if v is None else float(v)


def relative_effect(tau, phi, level, t, scale=1.0):
    """r = tau/(m - tau), m = treated mean of `level`; delta method on the influences phi of tau
    and psi_m = T(level - m)/n1. None when the counterfactual c = m - tau is not clearly positive."""
    m = level[t].mean()
    psi = np.where(t, level - m, 0.0) / t.sum()
    c = m - tau
    se_c = np.sqrt(scale * ((psi - phi) ** 2).sum())
    if not c - Z975 * se_c > 0:
        return {"relative": None, "relative_se": None}
    return {"relative": float(tau / c), "relative_se": float(np.sqrt(scale * ((m * phi - tau * psi) ** 2).sum()) / c ** 2)}


def mean_difference_influence(v, t):
    return np.where(t, (v - v[t].mean()) / t.sum(), -(v - v[~t].mean()) / (~t).sum())


def screen_columns(X, names, t):
    """Drops columns constant over all units, then (in input order) columns that are linear
    combinations of the earlier kept ones among the controls (centred, i.e. with an intercept):
    the relative residual of the column regressed on [1, kept] among the controls < 1e-9."""
    kept, dropped = [], []
    for j, name in enumerate(names):
        col = X[:, j]
        if np.ptp(col) == 0:
            dropped.append({"column": name, "reason": "constant"})
            continue
        c = X[~t][:, j] - X[~t][:, j].mean()
        if kept:
            B = X[~t][:, kept] - X[~t][:, kept].mean(0)
            coef = np.linalg.lstsq(B, c, rcond=None)[0]
            resid = c - B @ coef
        else:
            resid = c
        if np.linalg.norm(resid) <= 1e-9 * max(np.linalg.norm(c), 1e-300):
            dropped.append({"column": name, "reason": "collinear" if np.ptp(c) > 0 else "constant among controls"})
            continue
        kept.append(j)
    return kept, dropped


class Infeasible(Exception):
    pass


def eb_solve(X, t, tol=1e-11):
    """Entropy-balancing dual min_l log sum_c exp(l'z_i), z = (x - m)/s (m = treated means, s = the
    controls' sd, ddof 1), by Newton's method with backtracking; returns raw lambda = l/s, the
    largest |gradient| (= the weighted control mean gap in control-sd units) and the iterations."""
    m = X[t].mean(0)
    s = X[~t].std(0, ddof=1)
    Z = (X[~t] - m) / s
    q = Z.shape[1]

    def objective(l):
        a = Z @ l
        return a.max() + np.log(np.exp(a - a.max()).sum())

    def parts(l):
        a = Z @ l
        w = np.exp(a - a.max())
        w /= w.sum()
        g = w @ Z
        return g, (Z * w[:, None]).T @ Z - np.outer(g, g)

    lz = np.zeros(q)
    f0 = objective(lz)
    best = np.inf
    for it in range(200):
        g, H = parts(lz)
        gmax = np.abs(g).max()
        if gmax < 1e-14 or (gmax < tol and gmax >= best):
            break
        best = min(best, gmax)
        step = np.linalg.solve(H, g)
        if gmax > 1e-6:  # backtracking far from the optimum; pure Newton steps near it
            u = 1.0
            while u > 1e-12 and objective(lz - u * step) > f0 - 1e-4 * u * (g @ step):
                u /= 2
            if u <= 1e-12:
                raise Infeasible("the dual has no minimum (treated means outside the controls' convex hull)")
            lz = lz - u * step
            f0 = objective(lz)
        else:
            lz = lz - step
    g, _ = parts(lz)
    gmax = float(np.abs(g).max())
    if not gmax < tol:
        raise Infeasible(f"the dual did not converge (largest gap {gmax:.3g} sd)")
    return lz / s, gmax, it


def interior_margin(X, t):
    """max over control weights w (sum 1, w_i >= u, sum w x = treated mean) of u, times n0: > 0
    exactly when the treated means lie inside the controls' convex hull (entropy balancing's
    condition). scipy linprog (HiGHS); columns standardized by the controls' sd."""
    from scipy.optimize import linprog
    m = X[t].mean(0)
    Z = (X[~t] - m) / X[~t].std(0, ddof=1)
    n0, q = Z.shape
    A_eq = np.vstack([np.column_stack([Z.T, np.zeros(q)]), np.append(np.ones(n0), 0.0)])
    b_eq = np.append(np.zeros(q), 1.0)
    A_ub = np.column_stack([-np.eye(n0), np.ones(n0)])  # u - w_i <= 0
    r = linprog(np.append(np.zeros(n0), -1.0), A_ub=A_ub, b_ub=np.zeros(n0), A_eq=A_eq, b_eq=b_eq,
                bounds=[(0, None)] * n0 + [(None, None)], method="highs")
    return float(-r.fun * n0) if r.status == 0 else float("nan")


def eb_psi(theta, X, T, y, c):
    p = X.shape[1]
    m, lam, mu1, mu0 = theta[:p], theta[p:2 * p], theta[2 * p], theta[2 * p + 1]
    g = (1 - T) * np.exp(X @ lam - c)
    return np.column_stack([T[:, None] * (X - m), g[:, None] * (X - m), T * (y - mu1), g * (y - mu0)])


def eb_analytic_J(theta, X, T, y, c):
    p = X.shape[1]
    m, lam, mu0 = theta[:p], theta[p:2 * p], theta[2 * p + 1]
    g = (1 - T) * np.exp(X @ lam - c)
    J = np.zeros((2 * p + 2, 2 * p + 2))
    J[:p, :p] = -T.sum() * np.eye(p)
    J[p:2 * p, :p] = -g.sum() * np.eye(p)
    J[p:2 * p, p:2 * p] = ((X - m) * g[:, None]).T @ X
    J[2 * p, 2 * p] = -T.sum()
    J[2 * p + 1, p:2 * p] = (g * (y - mu0)) @ X
    J[2 * p + 1, 2 * p + 1] = -g.sum()
    return J


def eb_numerical_J(theta, X, T, y, c):
    p = X.shape[1]
    sd = X.std(axis=0, ddof=1)
    steps = 1e-5 * np.concatenate([sd, 1 / sd, [y.std(ddof=1)] * 2])
    J = np.zeros((2 * p + 2, 2 * p + 2))
    for j in range(2 * p + 2):
        e_ = np.zeros(2 * p + 2)
        e_[j] = steps[j]
        J[:, j] = (eb_psi(theta + e_, X, T, y, c).sum(0) - eb_psi(theta - e_, X, T, y, c).sum(0)) / (2 * steps[j])
    return J


def entropy_att(X, names, t, outcomes):
    """Entropy balancing of the controls on X (after screen_columns), then for each outcome vector
    the ATT with the stacked-equation sandwich. Returns (balance info, {key: (result, influence)})."""
    kept, dropped = screen_columns(X, names, t)
    Xk = X[:, kept]
    for dcol in dropped:
        if dcol["reason"] == "constant among controls":
            raise Infeasible(f"'{dcol['column']}' is constant among the controls but not among the treated")
    margin = interior_margin(Xk, t)
    if np.isnan(margin):
        raise Infeasible("the treated means lie outside the controls' convex hull (no non-negative control weights balance them)")
    if not margin > 1e-9:
        edge = [f"'{names[j]}' (treated mean {X[t][:, j].mean():.6g}, controls {X[~t][:, j].min():.6g}..{X[~t][:, j].max():.6g})"
                for j in kept if X[t][:, j].mean() <= X[~t][:, j].min() or X[t][:, j].mean() >= X[~t][:, j].max()]
        raise Infeasible("the treated means lie on the boundary of the controls' convex hull, so exact balance needs zero "
                         "weights on some controls" + (": " + ", ".join(edge) if edge else ""))
    lam, gmax, iterations = eb_solve(Xk, t)
    a = Xk[~t] @ lam
    c = float(a.max())
    w = np.exp(a - c)
    w /= w.sum()
    # balance on every column (also the dropped collinear ones), in control-sd units
    sd0 = X[~t].std(0, ddof=1)
    gaps = np.abs(w @ X[~t] - X[t].mean(0))
    gaps = np.where(sd0 > 0, gaps / np.where(sd0 > 0, sd0, 1), gaps)
    if gaps.max() > 1e-6:
        raise Infeasible("a collinear column is not balanced with the kept ones")
    T = t.astype(float)
    p = Xk.shape[1]
    info = {"columns": [names[j] for j in kept], "dropped": dropped, "n_treated": int(t.sum()), "n_control": int((~t).sum()),
            "effective_controls": float(1 / (w @ w)), "largest_weight": float(w.max() * (~t).sum()),
            "max_balance_gap_sd": float(gaps.max()), "dual_gradient_max": gmax, "newton_iterations": int(iterations),
            "interior_margin": margin}
    results = {}
    for key, y in outcomes.items():
        mu1, mu0 = y[t].mean(), w @ y[~t]
        theta = np.concatenate([Xk[t].mean(0), lam, [mu1, mu0]])
        psi = eb_psi(theta, Xk, T, y, c)
        Ja, Jn = eb_analytic_J(theta, Xk, T, y, c), eb_numerical_J(theta, Xk, T, y, c)
        cv = np.zeros(2 * p + 2)
        cv[2 * p], cv[2 * p + 1] = 1.0, -1.0
        ga = np.linalg.solve(Ja.T, cv)  # influence_i = -c'J^-1 psi_i
        phi = -psi @ ga
        Vn = np.linalg.inv(Jn) @ (psi.T @ psi) @ np.linalg.inv(Jn).T
        Va = np.linalg.inv(Ja) @ (psi.T @ psi) @ np.linalg.inv(Ja).T
        se = float(np.sqrt(cv @ Va @ cv))
        assert abs(np.sqrt((phi ** 2).sum()) / se - 1) < 1e-8
        # The closed form of the same influence (EntropyBalancing.swift): treated (y - mu1 - h'(x - m))/n1,
        # controls -w (y - mu0 - h'(x - m)), h = S^-1 g, S = sum w (x - m) x', g = sum w (y - mu0) x.
        D = Xk - theta[:p]
        h = np.linalg.solve((D[~t] * w[:, None]).T @ Xk[~t], (w * (y[~t] - mu0)) @ Xk[~t])
        closed = np.zeros(len(y))
        closed[t] = (y[t] - mu1 - D[t] @ h) / t.sum()
        closed[~t] = -w * (y[~t] - mu0 - D[~t] @ h)
        assert np.abs(closed - phi).max() <= 1e-8 * np.abs(phi).max()
        z_ = (mu1 - mu0) / se
        gr = np.zeros(2 * p + 2)
        gr[2 * p], gr[2 * p + 1] = 1 / mu0, -mu1 / mu0 ** 2
        c_ok = mu0 - Z975 * np.sqrt(Va[2 * p + 1, 2 * p + 1]) > 0
        results[key] = ({"estimate": float(mu1 - mu0), "se": se, "se_numerical": float(np.sqrt(cv @ Vn @ cv)),
                         "low": float(mu1 - mu0 - Z975 * se), "high": float(mu1 - mu0 + Z975 * se),
                         "p": float(2 * stats.norm.sf(abs(z_))),
                         "relative": float(mu1 / mu0 - 1) if c_ok else None,
                         "relative_se": float(np.sqrt(gr @ Va @ gr)) if c_ok else None,
                         "treated_mean": float(mu1), "counterfactual_mean": float(mu0)}, phi)
    return info, results


def drdid_panel(T, Zps, Xor, dy, e):
    """Sant'Anna & Zhao (2020) traditional DR DiD, DRDiD::drdid_panel; returns (att, influence inf)."""
    n = len(T)
    C = 1 - T
    gam = np.linalg.solve((Xor * C[:, None]).T @ Xor, (Xor * C[:, None]).T @ dy)
    m = Xor @ gam
    w1, w0 = T, e * C / (1 - e)
    eta1, eta0 = (w1 * (dy - m)).mean() / w1.mean(), (w0 * (dy - m)).mean() / w0.mean()
    L_ols = (C * (dy - m))[:, None] * Xor @ np.linalg.inv((Xor * C[:, None]).T @ Xor / n)
    L_ps = (T - e)[:, None] * Zps @ np.linalg.inv((Zps * (e * (1 - e))[:, None]).T @ Zps / n)
    M1 = (w1[:, None] * Xor).mean(0)
    M2 = ((w0 * (dy - m - eta0))[:, None] * Zps).mean(0)
    M3 = (w0[:, None] * Xor).mean(0)
    inf = (w1 * (dy - m) - w1 * eta1 - L_ols @ M1) / w1.mean() - (w0 * (dy - m) - w0 * eta0 + L_ps @ M2 - L_ols @ M3) / w0.mean()
    return eta1 - eta0, inf


def ipw_att(v):
    """The IPW above (same logit e, normalized weights, same stacked sandwich) for an outcome v."""
    X1, T = Xp.values, d.astype(float)
    o = e / (1 - e)
    a1, a0 = v[d].mean(), np.sum(o[~d] * v[~d]) / np.sum(o[~d])
    psi_ = np.column_stack([(T - e)[:, None] * X1, T * (v - a1), (1 - T) * o * (v - a0)])
    k = X1.shape[1]
    A_ = np.zeros((k + 2, k + 2))
    A_[:k, :k] = (X1 * (e * (1 - e))[:, None]).T @ X1
    A_[k, k] = T.sum()
    A_[k + 1, k + 1] = np.sum((1 - T) * o)
    A_[k + 1, :k] = -np.sum(((1 - T) * o * (v - a0))[:, None] * X1, axis=0)
    cv = np.zeros(k + 2)
    cv[k], cv[k + 1] = 1, -1
    zz = np.linalg.solve(A_.T, cv)
    return a1 - a0, np.sqrt(zz @ (psi_.T @ psi_) @ zz)


def segment_summary(rows):
    """Section E of weighting_methods.py over the estimated levels of one metric x dimension."""
    est = np.array([r_["estimate"] for r_ in rows])
    se = np.array([r_["se"] for r_ in rows])
    k = len(est)
    p_ = 2 * stats.norm.sf(np.abs(est / se))
    holm = multipletests(p_, method="holm")[1]
    bh = multipletests(p_, method="fdr_bh")[1]
    wt = 1 / se ** 2
    Q = float((wt * (est - (wt * est).sum() / wt.sum()) ** 2).sum())
    tau2 = max(0.0, (Q - (k - 1)) / (wt.sum() - (wt ** 2).sum() / wt.sum()))
    ws = 1 / (se ** 2 + tau2)
    mu = (ws * est).sum() / ws.sum()
    for i, r_ in enumerate(rows):
        r_.update({"p": float(p_[i]), "p_holm": float(holm[i]), "p_bh": float(bh[i]),
                   "shrunken": float(mu + tau2 / (tau2 + se[i] ** 2) * (est[i] - mu)),
                   "posterior_sd": float(np.sqrt(tau2 * se[i] ** 2 / (tau2 + se[i] ** 2))),
                   # UpliftSegments.swift: the posterior sd when tau2 > 0, else the se of mu, 1/sqrt(sum ws)
                   "shrunken_sd_swift_rule": float(np.sqrt(tau2 * se[i] ** 2 / (tau2 + se[i] ** 2)) if tau2 > 0
                                                   else 1 / np.sqrt(ws.sum()))})
    ce = combine_effects(est, se ** 2, method_re="dl")
    # statsmodels leaves a negative DL tau^2 untruncated: compare with its fixed-effect mean then
    ref_mu = ce.mean_effect_re if ce.tau2 > 0 else ce.mean_effect_fe
    assert abs(max(ce.tau2, 0.0) - tau2) <= 1e-9 * tau2 and abs(ref_mu - mu) <= 1e-9 * abs(mu)
    assert abs(ce.q - Q) <= 1e-9 * Q
    return {"levels": k, "tau2": float(tau2), "mu": float(mu), "Q": Q, "Q_p": float(stats.chi2.sf(Q, k - 1))}


T_ = d.astype(float)
nonneg = [x for x in METRICS if (df["pre_" + x] >= 0).all()]
eb_names = ["pre_" + x for x in METRICS] + ["log1p_pre_" + x for x in nonneg] + list(dummies.columns)
eb_X = np.column_stack([df[["pre_" + x for x in METRICS]].values, np.log1p(df[["pre_" + x for x in nonneg]].values),
                        dummies.values])
eb_info, eb_results = entropy_att(eb_X, eb_names, d, {x: df["post_" + x].values for x in METRICS})
out["entropy_columns"] = eb_info.pop("columns")
out["entropy_dropped"] = eb_info.pop("dropped")
n_all = len(df)
for x in METRICS:
    res = out["metrics"][x]
    y, ch = df["post_" + x].values, (df["post_" + x] - df["pre_" + x]).values
    ent, phi_eb = eb_results[x]
    res["entropy"] = {**ent, **{k_: v for k_, v in eb_info.items() if k_ in ("effective_controls", "largest_weight",
                                                                          "max_balance_gap_sd", "dual_gradient_max")}}
    est_c, se_c = ipw_att(ch)
    est_y, se_y = ipw_att(y)
    assert abs(est_y - res["ipw"]["estimate"]) <= 1e-9 * abs(est_y) and abs(se_y - res["ipw"]["se"]) <= 1e-9 * se_y
    res["ipw_change"] = {"estimate": float(est_c), "se": float(se_c)}
    att, inf = drdid_panel(T_, Xp.values, sm.add_constant(Xo).values, ch, e)
    res["drdid"] = {"estimate": float(att), "se": float(np.sqrt((inf ** 2).sum()) / n_all),
                    **relative_effect(att, inf / n_all, y, d), "max_control_propensity": float(e[~d].max())}
    # relative effects of the existing estimators
    ols = influence[x]["ols"]
    Xt = ols.model.exog
    j_d = ols.model.exog_names.index("d")
    phi_ols = (Xt @ np.linalg.inv(Xt.T @ Xt))[:, j_d] * ols.resid.values
    scale = n_all / (n_all - Xt.shape[1])
    assert abs(np.sqrt(scale * (phi_ols ** 2).sum()) / res["regression"]["se"] - 1) < 1e-9
    rel = {"naive": relative_effect(res["naive"]["estimate"], mean_difference_influence(y, d), y, d),
           "did": relative_effect(res["did"]["estimate"], mean_difference_influence(ch, d), y, d),
           "regression": relative_effect(res["regression"]["estimate"], phi_ols, y, d, scale),
           "ipw": relative_effect(*influence[x]["ipw"][:2], y, d),
           "aipw": relative_effect(*influence[x]["aipw"][:2], y, d)}
    assert abs(np.sqrt((influence[x]["ipw"][1] ** 2).sum()) / res["ipw"]["se"] - 1) < 1e-9
    for k_, v in rel.items():
        res[k_].update(v)
    # honest multiple: counterfactual growth of the treated g0 = mean change of the treated - entropy ATT
    g1 = ch[d].mean()
    phi_g1 = np.where(d, ch - g1, 0.0) / d.sum()
    g0 = g1 - ent["estimate"]
    res["honest_multiple"] = {"treated_change": float(g1), "counterfactual_change": float(g0),
                              "counterfactual_change_se": float(np.sqrt(((phi_g1 - phi_eb) ** 2).sum())),
                              "multiple": float(g1 / g0)}

# entropy balancing within each level of each dimension, by the rules of UpliftSegments.swift
def zero_weight_cells(sub, ts, others):
    """Cells (level v of another dimension o) with controls but no participants within the level:
    every balancing solution gives their controls weight 0 (the dummy o=v has treated mean 0 and is
    >= 0; for the first level, the other dummies of o sum to 1 over the treated and are <= 1).
    Returns ([{cell, controls}], mask of the controls to drop)."""
    cells, drop = [], np.zeros(len(sub), bool)
    for o in others:
        col = sub[o].astype(str).values
        for v in sorted(set(col)):
            in_cell = col == v
            if not (in_cell & ts).any() and (in_cell & ~ts).any():
                cells.append({"cell": f"{o}_{v}", "controls": int((in_cell & ~ts).sum())})
                drop |= in_cell & ~ts
    return cells, drop


def level_entropy(sub, ts, y, others):
    """Entropy balancing within one level: the full set (pre metrics, log1p pre, dummies of the other
    dimensions) as the limit solution without the zero-weight controls; when that is infeasible,
    the pre-period metric columns only. Returns (info, result, zero-weight cells, fallback, reason)."""
    def metric_columns(frame):
        return (["pre_" + m_ for m_ in METRICS] + ["log1p_pre_" + m_ for m_ in nonneg],
                [frame[["pre_" + m_ for m_ in METRICS]].values, np.log1p(frame[["pre_" + m_ for m_ in nonneg]].values)])

    cells, drop = zero_weight_cells(sub, ts, others)
    keep = ~drop
    dm = pd.get_dummies(sub[others].astype(str), drop_first=True).astype(float)
    names, blocks = metric_columns(sub)
    names, Xs = names + list(dm.columns), np.column_stack(blocks + [dm.values])
    try:
        # the dummies stay those of the whole level: a dropped cell's dummy is now constant ("dropped")
        info, r_ = entropy_att(Xs[keep], names, ts[keep], {"post": y[keep]})
        return info, r_["post"][0], cells, None, None
    except Infeasible as err:
        full_reason = str(err)
    names, blocks = metric_columns(sub)
    try:
        info, r_ = entropy_att(np.column_stack(blocks), names, ts, {"post": y})
        return info, r_["post"][0], [], "metrics_only", full_reason
    except Infeasible as err:
        raise Infeasible(f"{full_reason}; on the pre-period metrics alone: {err}")


seg_levels, seg_dims = [], []
for x in METRICS:
    for dim in DIMS:
        rows = []
        for level in sorted(df[dim].astype(str).unique()):
            idx = (df[dim].astype(str) == level).values
            sub, ts = df[idx], d[idx]
            row = {"metric": x, "dimension": dim, "level": level, "treated": int(ts.sum()), "control": int((~ts).sum()),
                   "estimate": None, "se": None, "p": None, "p_holm": None, "p_bh": None, "shrunken": None,
                   "posterior_sd": None, "shrunken_sd_swift_rule": None, "fallback": None, "reason": None}
            seg_levels.append(row)
            if ts.sum() < 10 or (~ts).sum() < 10:
                row["reason"] = "fewer than 10 customers in an arm"
                continue
            try:
                info, r_, cells, fallback, full_reason = level_entropy(sub, ts, sub["post_" + x].values,
                                                                       [o for o in DIMS if o != dim])
            except Infeasible as err:
                row["reason"] = "infeasible: " + str(err)
                continue
            row.update({"estimate": r_["estimate"], "se": r_["se"], "se_numerical": r_["se_numerical"],
                        "effective_controls": info["effective_controls"],
                        # weights scaled to average 1 over all the level's controls (zero-weight ones too)
                        "largest_weight": info["largest_weight"] / info["n_control"] * int((~ts).sum()),
                        "dropped": info["dropped"], "zero_weight": cells,
                        "zero_weight_controls": int(sum(c_["controls"] for c_ in cells)), "fallback": fallback})
            if fallback:
                row["fallback_reason"] = "full set infeasible: " + full_reason
            rows.append(row)
        summary = {"metric": x, "dimension": dim}
        if len(rows) >= 2:
            summary.update(segment_summary(rows))
        else:
            for row in rows:
                row["p"] = float(2 * stats.norm.sf(abs(row["estimate"] / row["se"])))
            summary.update({"levels": len(rows), "tau2": None, "mu": None, "Q": None, "Q_p": None})
        seg_dims.append(summary)
out["segments_entropy"] = seg_levels
out["segments_entropy_dimensions"] = seg_dims

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
