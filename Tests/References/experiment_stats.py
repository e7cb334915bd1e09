"""Reference values for Tests/CampaignLabStatsTests/ExperimentStatsTests.swift.

Run: python3 Tests/References/experiment_stats.py  (scipy 1.17, statsmodels 0.14, numpy 2.4)
Each line names the library call or the formula evaluated.
"""
import numpy as np
from scipy import stats
from statsmodels.stats.proportion import test_proportions_2indep, confint_proportions_2indep, proportions_ztest
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower

# Proportions: 120/1000 vs 100/1000
r = test_proportions_2indep(120, 1000, 100, 1000, method="wald", compare="diff")
ci = confint_proportions_2indep(120, 1000, 100, 1000, method="wald", compare="diff")
print("prop wald p", repr(r.pvalue), "ci", repr(ci[0]), repr(ci[1]))
z, p = proportions_ztest([120, 100], [1000, 1000])
print("prop pooled p", repr(p))

# Deterministic per-customer data (the Swift test rebuilds it with the same formulas).
n = 400
i = np.arange(n)
pre = ((i * 37) % 101) / 10.0                      # pre-period value x
treat = (i % 2 == 0)
y = 2.0 + 0.8 * pre + 0.5 * treat + np.sin(i) * 1.5  # outcome
den = 1 + (i % 7)                                  # ratio denominator (page views)
num = np.floor(den * (0.3 + 0.1 * treat) + 0.5 * np.cos(i) + 0.5)  # clicks

# Ratio metric, delta method (Deng et al. 2018), per arm, then the z difference.
def ratio(numer, denom):
    mx, my = denom.mean(), numer.mean()
    vx, vy = denom.var(ddof=1), numer.var(ddof=1)
    cxy = np.cov(denom, numer, ddof=1)[0, 1]
    return my / mx, (vy / mx**2 - 2 * my * cxy / mx**3 + my**2 * vx / mx**4) / len(numer)
r1, v1 = ratio(num[treat], den[treat]); r0, v0 = ratio(num[~treat], den[~treat])
se = np.sqrt(v1 + v0); d = r1 - r0; q = stats.norm.ppf(0.975)
print("ratio", repr(r1), repr(r0), repr(d - q*se), repr(d + q*se), repr(2*stats.norm.sf(abs(d/se))))

# CUPED with pooled theta (Deng et al. 2013): adjust per unit, then Welch t-test.
theta = np.cov(pre, y, ddof=1)[0, 1] / pre.var(ddof=1)
adj = y - theta * (pre - pre.mean())
res = stats.ttest_ind(adj[treat], adj[~treat], equal_var=False)
cci = res.confidence_interval(0.95)
print("cuped theta", repr(theta), "diff", repr(adj[treat].mean() - adj[~treat].mean()), repr(cci.low), repr(cci.high), repr(res.pvalue))

# Multiple testing.
ps = [0.01, 0.04, 0.03, 0.005, 0.2, 0.04]
print("holm", [repr(v) for v in multipletests(ps, method="holm")[1]])
print("bh", [repr(v) for v in multipletests(ps, method="fdr_bh")[1]])

# SRM.
chi = stats.chisquare([5030, 4970, 5102], f_exp=np.array([1, 1, 1]) / 3 * 15102)
print("srm", repr(chi.statistic), repr(chi.pvalue))

# Power (statsmodels NormalIndPower).
pw = NormalIndPower()
print("power", repr(pw.power(effect_size=0.05, nobs1=5000, alpha=0.05, ratio=1.0)))
print("power ratio2", repr(pw.power(effect_size=0.05, nobs1=5000, alpha=0.05, ratio=2.0)))
# solve_power stops at a loose tolerance (its MDE here has power 0.79997), so the references
# for sample size and MDE are brentq roots of statsmodels' own power() at 1e-15.
from scipy.optimize import brentq
print("nobs", repr(brentq(lambda n: pw.power(effect_size=0.05, nobs1=n, alpha=0.05, ratio=1.0) - 0.8, 10, 1e6, xtol=1e-12, rtol=1e-15)))
print("mde", repr(brentq(lambda d: pw.power(effect_size=d, nobs1=20000, alpha=0.05, ratio=1.0) - 0.8, 1e-6, 1, xtol=1e-15, rtol=1e-15)))

# Confidence sequence, Waudby-Smith et al. 2023 eq. 161 (rho), eq. 9 (half-width), eq. 155 (p).
alpha, N, nn, est, se = 0.05, 100000.0, 40000.0, 0.03, 0.012
la = np.log(alpha)
rho = np.sqrt((-2 * la + np.log(-2 * la + 1)) / N)
a = nn * rho**2 + 1
hw = np.sqrt(se**2 * nn) * np.sqrt(2 * a * np.log(np.sqrt(a) / alpha) / (nn * rho)**2)
loge = rho**2 * (est**2 * nn / se**2) / (2 * a) - 0.5 * np.log(a)
print("cs rho", repr(rho), "halfwidth", repr(hw), "p", repr(min(1.0, np.exp(-loge))))

# Bayesian normal posterior: closed forms checked by numerical integration (scipy.integrate.quad).
from scipy.integrate import quad
m0, s0 = 0.02, 0.01           # flat prior: posterior = N(estimate, se^2)
pm, ps_ = 0.0, 0.02           # prior N(0, 0.02^2)
prec = 1 / s0**2 + 1 / ps_**2
mu, sd = (m0 / s0**2 + pm / ps_**2) / prec, np.sqrt(1 / prec)
print("bayes post", repr(mu), repr(sd))
f = stats.norm(mu, sd)
print("bayes ctw", repr(f.sf(0)))
print("bayes loss treat", repr(quad(lambda d: max(-d, 0) * f.pdf(d), -1, 0, epsabs=1e-15, epsrel=1e-13)[0]))
print("bayes loss control", repr(quad(lambda d: max(d, 0) * f.pdf(d), 0, 1, epsabs=1e-15, epsrel=1e-13)[0]))
