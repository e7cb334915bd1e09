"""Reference values for the weighting / doubly robust estimators (ATT throughout).

Run: python3 Tests/References/weighting_methods.py   (numpy, scipy, statsmodels only)
Writes Tests/References/weighting_methods_data.csv and Tests/References/weighting_methods.json;
re-running reproduces both byte for byte. Floats in the JSON are Python repr (full precision).

Data: numpy default_rng(20261202), n = 600, drawn in this order:
  pre_aum   = lognormal(mean 9, sigma 1.2)
  segment_b = Bernoulli(0.4)
  pre_logins = Poisson(3 + 2 segment_b)
  treated   = uniform < expit(0.4 log1p(pre_aum) + 0.2 pre_logins - 0.5 segment_b - 5.0)
  (intercept -5.0 rather than -4.5: -4.5 gives ~42% treated, -5.0 gives ~31.5% in the population)
  y_post    = pre_aum (1 + Normal(0.02, 0.1)) + 500 treated + Normal(0, 2000);  y_pre = pre_aum
Every float is rounded to 6 significant digits (float('%.6g')) and written with repr; all
estimates are computed from the CSV as re-read. Covariates X = [pre_aum, pre_logins, segment_b];
logit covariates X_logit = [log1p(pre_aum), pre_logins, segment_b]; T = treated, n1 = sum T.

A. entropy_balancing  Hainmueller (2012, Political Analysis 20, 25-46), uniform base weights:
   control weights w_i = exp(lam'x_i) / sum, with sum_c w_i x_i = mean_T(x) exactly. lam solves the
   dual min_lam log sum_c exp(lam'(x_i - m)) (m = treated mean), done on standardized columns
   z = (x - m)/sd(x) with scipy trust-exact (analytic gradient/Hessian) and Newton polishing,
   then lam = lam_z / sd. mu1 = mean_T(y), mu0 = sum_c w y, att = mu1 - mu0, relative = mu1/mu0 - 1.
   SE: stacked M-estimation sandwich V = J^-1 B J^-T over theta = (m, lam, mu1, mu0) with
   psi_m = T(x-m), psi_lam = (1-T)g(x-m), psi_1 = T(y-mu1), psi_0 = (1-T)g(y-mu0),
   g = exp(lam'x - c) (c = max over controls of lam'x at the solution, held fixed); B = sum psi psi',
   J = sum d psi/d theta by central differences with step h_j = 1e-5 * s_j (s_j = sd(x_j) for m_j,
   1/sd(x_j) for lam_j, sd(y) for mu1, mu0). se(att) = sqrt(c'Vc); relative by the delta method with
   gradient (1/mu0, -mu1/mu0^2) on (mu1, mu0). "se_analytic_J" uses the closed-form J instead.
   Variants: "y_post"; "change" (outcome y_post - y_pre); "x4" (X plus log1p(pre_aum), outcome y_post).
   Note: y_pre = pre_aum is itself balanced exactly, so "change" reproduces the "y_post" att and se
   (a linear reparametrization of mu0); the Swift side may test that invariance.
B. ipw  Normalized (Hajek) IPW-ATT: e from statsmodels Logit(T, [1, X_logit]) (unpenalized MLE),
   o = e/(1-e); att = mean_T(y) - sum_c o y / sum_c o. SE: M-estimation sandwich over
   (beta, mu1, mu0) with psi_beta = (T - e)z, psi_1 = T(y - mu1), psi_0 = (1-T)o(y - mu0), analytic J
   (Lunceford & Davidian 2004 style stacking). Cross-check: statsmodels
   TreatmentEffect(OLS(y, Z), T, results_select=Logit).ipw(effect_group=1) (GMM). "ipw" (y_post),
   "ipw_change" (y_post - y_pre; no relative effect, mu0 < 0); relative = mu1/mu0 - 1 of "ipw" by
   the delta method on V.
C. drdid_panel  Sant'Anna & Zhao (2020, J. Econometrics 219, 101-122) traditional locally efficient
   DR DiD, eq. (3.1), following DRDiD::drdid_panel (no i.weights): dY = y_post - y_pre; logit on
   [1, X_logit]; OLS of dY on [1, X] among controls; w1 = T, w0 = e(1-T)/(1-e);
   att = mean(w1(dY - m))/mean(w1) - mean(w0(dY - m))/mean(w0). Influence function as in DRDiD:
   inf = [w1(dY-m) - w1 eta1 - L_ols M1]/mean(w1) - [w0(dY-m) - w0 eta0 + L_ps M2 - L_ols M3]/mean(w0)
   with L_ols = (1-T)(dY-m) x' (X'(1-T)X/n)^-1, L_ps = (T-e) z' (Z' diag(e(1-e)) Z/n)^-1,
   M1 = mean(w1 x), M2 = mean(w0 (dY - m - eta0) z), M3 = mean(w0 x) (x = [1, X], z = [1, X_logit]).
   se_r = sd(inf, ddof=1)/sqrt(n) (what drdid_panel reports), se_n = sqrt(sum inf^2)/n.
   (DRDiD's propensity trimming at 0.995 for controls is inactive here: max control e is reported.)
D. aipw_att  AIPW-ATT with a control outcome model: m0 = OLS of y_post on [1, X] among controls,
   r = y - m0(x), e from B's logit; att = [sum T r - sum (1-T) o r]/n1; phi = T(r - att) - (1-T) o r;
   se = sqrt(sum phi^2)/n1 (nuisances treated as known). Relative: cf = ybar1 - att, rel = att/cf,
   var = sum (a phi/n1 + b T(y - ybar1)/n1)^2, a = ybar1/(ybar1 - att)^2, b = -att/(ybar1 - att)^2.
E. multiplicity_shrinkage  Fixed segment estimates/SEs. Two-sided normal p = 2 Phi(-|est/se|);
   Holm and Benjamini-Hochberg adjusted p (statsmodels multipletests). DerSimonian & Laird (1986)
   tau^2 = max(0, (Q - (k-1)) / (sum w - sum w^2/sum w)), w = 1/se^2; mu = sum w* est / sum w*,
   w* = 1/(se^2 + tau^2); normal-normal empirical Bayes: theta_i = mu + tau^2/(tau^2 + se_i^2)(est_i - mu),
   posterior sd = sqrt(tau^2 se_i^2/(tau^2 + se_i^2)). Cross-check: statsmodels combine_effects(dl).
"""
import csv
import json
import os

import numpy as np
import statsmodels.api as sm
from scipy import optimize, stats
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.stats.multitest import multipletests
from statsmodels.treatment.treatment_effects import TreatmentEffect

HERE = os.path.dirname(os.path.abspath(__file__))
CSV_PATH = os.path.join(HERE, "weighting_methods_data.csv")
JSON_PATH = os.path.join(HERE, "weighting_methods.json")
COLUMNS = ["treated", "pre_aum", "pre_logins", "segment_b", "y_pre", "y_post"]


def f(v):
    return float(v)


def fl(a):
    return [float(v) for v in a]


# ---------------------------------------------------------------- data
def write_data():
    n = 600
    rng = np.random.default_rng(20261202)
    pre_aum = rng.lognormal(9.0, 1.2, n)
    segment_b = rng.binomial(1, 0.4, n)
    pre_logins = rng.poisson(3.0 + 2.0 * segment_b)
    eta = 0.4 * np.log1p(pre_aum) + 0.2 * pre_logins - 0.5 * segment_b - 5.0
    treated = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    y_post = pre_aum * (1 + rng.normal(0.02, 0.1, n)) + 500 * treated + rng.normal(0, 2000, n)
    r6 = lambda v: repr(float("%.6g" % v))
    with open(CSV_PATH, "w", newline="") as fh:
        fh.write(",".join(COLUMNS) + "\n")
        for i in range(n):
            a = r6(pre_aum[i])
            fh.write(f"{treated[i]},{a},{pre_logins[i]},{segment_b[i]},{a},{r6(y_post[i])}\n")


def read_data():
    with open(CSV_PATH, newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {c: np.array([float(r[c]) for r in rows]) for c in COLUMNS}


# ---------------------------------------------------------------- A. entropy balancing
def eb_solve(X, T):
    """Dual of entropy balancing on standardized columns; returns (lam_raw, gradient norm)."""
    m = X[T == 1].mean(axis=0)
    sd = X.std(axis=0, ddof=1)
    Z = (X[T == 0] - m) / sd

    def parts(lz):
        a = Z @ lz
        w = np.exp(a - a.max())
        w /= w.sum()
        g = w @ Z
        H = (Z * w[:, None]).T @ Z - np.outer(g, g)
        return a, g, H

    obj = lambda lz: np.log(np.exp(Z @ lz - (Z @ lz).max()).sum()) + (Z @ lz).max()
    res = optimize.minimize(obj, np.zeros(X.shape[1]), method="trust-exact",
                            jac=lambda lz: parts(lz)[1], hess=lambda lz: parts(lz)[2],
                            options={"gtol": 1e-13, "maxiter": 500})
    lz = res.x
    for _ in range(3):  # Newton polishing (quadratic convergence near the optimum)
        _, g, H = parts(lz)
        lz = lz - np.linalg.solve(H, g)
    g = parts(lz)[1]
    return lz / sd, float(np.linalg.norm(g))


def eb_psi(theta, X, T, y, c):
    p = X.shape[1]
    m, lam, mu1, mu0 = theta[:p], theta[p:2 * p], theta[2 * p], theta[2 * p + 1]
    g = (1 - T) * np.exp(X @ lam - c)
    return np.column_stack([T[:, None] * (X - m), g[:, None] * (X - m), T * (y - mu1), g * (y - mu0)])


def eb_analytic_J(theta, X, T, y, c):
    n, p = X.shape
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


def sandwich(J, psi):
    Ji = np.linalg.inv(J)
    return Ji @ (psi.T @ psi) @ Ji.T


def entropy_balancing(X, T, y, full=True):
    p = X.shape[1]
    lam, gnorm = eb_solve(X, T)
    m = X[T == 1].mean(axis=0)
    a = X[T == 0] @ lam
    c = float(a.max())
    w = np.exp(a - c)
    w /= w.sum()
    mu1, mu0 = y[T == 1].mean(), w @ y[T == 0]
    theta = np.concatenate([m, lam, [mu1, mu0]])
    sd = X.std(axis=0, ddof=1)
    steps = 1e-5 * np.concatenate([sd, 1 / sd, [y.std(ddof=1)] * 2])
    J = np.zeros((2 * p + 2, 2 * p + 2))
    for j in range(2 * p + 2):
        e = np.zeros(2 * p + 2)
        e[j] = steps[j]
        J[:, j] = (eb_psi(theta + e, X, T, y, c).sum(0) - eb_psi(theta - e, X, T, y, c).sum(0)) / (2 * steps[j])
    Ja = eb_analytic_J(theta, X, T, y, c)
    psi = eb_psi(theta, X, T, y, c)
    cvec = np.zeros(2 * p + 2)
    cvec[2 * p], cvec[2 * p + 1] = 1.0, -1.0
    V, Va = sandwich(J, psi), sandwich(Ja, psi)
    se, se_a = np.sqrt(cvec @ V @ cvec), np.sqrt(cvec @ Va @ cvec)
    out = {"att": f(mu1 - mu0), "se": f(se), "se_analytic_J": f(se_a), "mu1": f(mu1), "mu0": f(mu0)}
    if not full:
        return out
    gr = np.zeros(2 * p + 2)
    gr[2 * p], gr[2 * p + 1] = 1 / mu0, -mu1 / mu0 ** 2
    gap = w @ X[T == 0] - m
    out.update({
        "relative": f(mu1 / mu0 - 1), "relative_se": f(np.sqrt(gr @ V @ gr)),
        "relative_se_analytic_J": f(np.sqrt(gr @ Va @ gr)),
        "weights_sum_squares": f(w @ w), "weights_max": f(w.max()),
        "effective_sample_size": f(1 / (w @ w)),
        "max_abs_balance_gap": f(np.abs(gap).max()),
        "max_abs_balance_gap_sd_units": f(np.abs(gap / sd).max()),
        "dual_gradient_norm_standardized": gnorm,
        "lambda": fl(lam), "exp_shift_c": c,
        "treated_covariate_means": fl(m),
        "max_rel_diff_numeric_vs_analytic_J": f(np.abs(J - Ja).max() / np.abs(Ja).max()),
    })
    return out


# ---------------------------------------------------------------- B. IPW-ATT
def fit_logit(T, Z):
    res = sm.Logit(T, Z).fit(method="newton", tol=1e-14, maxiter=100, disp=0)
    beta = res.params
    for _ in range(2):  # Newton polishing to the exact MLE
        e = 1 / (1 + np.exp(-Z @ beta))
        beta = beta + np.linalg.solve((Z * (e * (1 - e))[:, None]).T @ Z, Z.T @ (T - e))
    return beta, 1 / (1 + np.exp(-Z @ beta))


def ipw_att(T, Z, y, beta, e):
    k = Z.shape[1]
    o = e / (1 - e)
    mu1 = y[T == 1].mean()
    mu0 = (o * y)[T == 0].sum() / o[T == 0].sum()
    psi = np.column_stack([(T - e)[:, None] * Z, T * (y - mu1), (1 - T) * o * (y - mu0)])
    J = np.zeros((k + 2, k + 2))
    J[:k, :k] = -(Z * (e * (1 - e))[:, None]).T @ Z
    J[k, k] = -T.sum()
    J[k + 1, :k] = ((1 - T) * o * (y - mu0)) @ Z
    J[k + 1, k + 1] = -((1 - T) * o).sum()
    V = sandwich(J, psi)
    cv = np.zeros(k + 2)
    cv[k], cv[k + 1] = 1.0, -1.0
    gr = np.zeros(k + 2)
    gr[k], gr[k + 1] = 1 / mu0, -mu1 / mu0 ** 2
    # statsmodels cross-check (GMM); the outcome model is irrelevant for ipw
    te = TreatmentEffect(sm.OLS(y, Z), T.astype(int), results_select=sm.Logit(T, Z).fit(disp=0))
    r = te.ipw(return_results=True, effect_group=1)
    return {"att": f(mu1 - mu0), "se": f(np.sqrt(cv @ V @ cv)), "mu1": f(mu1), "mu0": f(mu0),
            "relative": f(mu1 / mu0 - 1), "relative_se": f(np.sqrt(gr @ V @ gr)),
            "statsmodels_treatment_effect_att": f(r.effect[0]),
            "statsmodels_treatment_effect_se": f(r.sd[0])}


# ---------------------------------------------------------------- C. DR DiD (panel)
def drdid_panel(T, Zps, Xor, dy, beta, e):
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
    inf_t = (w1 * (dy - m) - w1 * eta1 - L_ols @ M1) / w1.mean()
    inf_c = (w0 * (dy - m) - w0 * eta0 + L_ps @ M2 - L_ols @ M3) / w0.mean()
    inf = inf_t - inf_c
    return {"att": f(eta1 - eta0), "se_r": f(inf.std(ddof=1) / np.sqrt(n)),
            "se_n": f(np.sqrt((inf ** 2).sum()) / n), "influence_first5": fl(inf[:5]),
            "influence_mean": f(inf.mean()), "or_coefficients": fl(gam),
            "max_control_propensity": f(e[T == 0].max())}


# ---------------------------------------------------------------- D. AIPW-ATT
def aipw_att(T, Xor, y, e):
    C = 1 - T
    n1 = T.sum()
    gam = np.linalg.solve((Xor * C[:, None]).T @ Xor, (Xor * C[:, None]).T @ y)
    r = y - Xor @ gam
    o = e / (1 - e)
    att = ((T * r).sum() - (C * o * r).sum()) / n1
    phi = T * (r - att) - C * o * r
    ybar1 = y[T == 1].mean()
    cf = ybar1 - att
    a, b = ybar1 / (ybar1 - att) ** 2, -att / (ybar1 - att) ** 2
    rel_var = ((a * phi / n1 + b * T * (y - ybar1) / n1) ** 2).sum()
    return {"att": f(att), "se": f(np.sqrt((phi ** 2).sum()) / n1), "treated_mean": f(ybar1),
            "counterfactual_mean": f(cf), "relative": f(att / cf), "relative_se": f(np.sqrt(rel_var)),
            "or_coefficients": fl(gam)}


# ---------------------------------------------------------------- E. multiplicity + shrinkage
def multiplicity_shrinkage(est, se):
    est, se = np.asarray(est, float), np.asarray(se, float)
    k = len(est)
    p = 2 * stats.norm.sf(np.abs(est / se))
    holm = multipletests(p, method="holm")[1]
    bh = multipletests(p, method="fdr_bh")[1]
    w = 1 / se ** 2
    mu_fe = (w * est).sum() / w.sum()
    Q = (w * (est - mu_fe) ** 2).sum()
    tau2 = max(0.0, (Q - (k - 1)) / (w.sum() - (w ** 2).sum() / w.sum()))
    ws = 1 / (se ** 2 + tau2)
    mu = (ws * est).sum() / ws.sum()
    shrink = tau2 / (tau2 + se ** 2)
    ce = combine_effects(est, se ** 2, method_re="dl")
    return {"estimates": fl(est), "standard_errors": fl(se), "p_values": fl(p),
            "holm": fl(holm), "benjamini_hochberg": fl(bh), "Q": f(Q), "tau2_dl": f(tau2),
            "mu_hat": f(mu), "shrunken": fl(mu + shrink * (est - mu)),
            "posterior_sd": fl(np.sqrt(tau2 * se ** 2 / (tau2 + se ** 2))),
            "statsmodels_combine_effects_tau2": f(ce.tau2), "statsmodels_combine_effects_mu": f(ce.mean_effect_re)}


def main():
    write_data()
    d = read_data()
    T = d["treated"]
    n, n1 = len(T), int(T.sum())
    X = np.column_stack([d["pre_aum"], d["pre_logins"], d["segment_b"]])
    X4 = np.column_stack([X, np.log1p(d["pre_aum"])])
    Zps = sm.add_constant(np.column_stack([np.log1p(d["pre_aum"]), d["pre_logins"], d["segment_b"]]))
    Xor = sm.add_constant(X)
    y, dy = d["y_post"], d["y_post"] - d["y_pre"]
    beta, e = fit_logit(T, Zps)
    out = {
        "meta": {"seed": 20261202, "n": n, "n_treated": n1, "data": os.path.basename(CSV_PATH),
                 "covariates": ["pre_aum", "pre_logins", "segment_b"],
                 "logit_covariates": ["log1p(pre_aum)", "pre_logins", "segment_b"],
                 "logit_coefficients": fl(beta),
                 "logit_score_norm": f(np.linalg.norm(Zps.T @ (T - e)))},
        "entropy_balancing": {
            "y_post": entropy_balancing(X, T, y),
            "change": entropy_balancing(X, T, dy, full=False),
            "x4": entropy_balancing(X4, T, y),
        },
        "ipw": ipw_att(T, Zps, y, beta, e),
        "ipw_change": {k: v for k, v in ipw_att(T, Zps, dy, beta, e).items() if "relative" not in k},
        "drdid_panel": drdid_panel(T, Zps, Xor, dy, beta, e),
        "aipw_att": aipw_att(T, Xor, y, e),
        "multiplicity_shrinkage": multiplicity_shrinkage([120, -40, 310, 75, 15, 220],
                                                         [60, 80, 150, 30, 40, 100]),
    }
    with open(JSON_PATH, "w") as fh:
        json.dump(out, fh, indent=2)
        fh.write("\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
