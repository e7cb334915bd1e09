"""Reference values for Tests/CampaignLabStatsTests/PropensityWeightingTests.swift.

Data (rebuilt with the same formulas in the Swift test), units i = 0..599:
  x1 = sin(i);  x2 = ((i * 37) % 101) / 101
  e  = 1 / (1 + exp(-(-0.4 + 1.1 x1 + 0.9 x2)))           (the known propensity)
  treated = ((i * 7919) % 1009) / 1009 < e
  y  = 2 + 3 x1 + 1.5 x2 + 1.0 treated + (((i * 104729) % 997) / 997 - 0.5) * 2
Estimates: normalized (Hajek) weighted means; SE = statsmodels WLS(y, [1, T], weights=w)
.fit(cov_type='HC0').bse[1] (the sandwich with known scores); ESS = (sum w)^2 / sum w^2;
SMD = (m1 - m0) / sqrt((s1^2 + s0^2) / 2) with unweighted SDs (ddof 1), weighted means after.
Run: python3 Tests/References/ipw.py
"""
import numpy as np
import statsmodels.api as sm

i = np.arange(600)
x1 = np.sin(i)
x2 = ((i * 37) % 101) / 101
e = 1 / (1 + np.exp(-(-0.4 + 1.1 * x1 + 0.9 * x2)))
t = ((i * 7919) % 1009) / 1009 < e
y = 2 + 3 * x1 + 1.5 * x2 + 1.0 * t + (((i * 104729) % 997) / 997 - 0.5) * 2
X = sm.add_constant(t.astype(float))

for name, w in [("att", np.where(t, 1.0, e / (1 - e))), ("ate", np.where(t, 1 / e, 1 / (1 - e)))]:
    fit = sm.WLS(y, X, weights=w).fit(cov_type="HC0")
    print(name, "estimate:", repr(float(fit.params[1])), "se:", repr(float(fit.bse[1])))
    ess = [float(w[m].sum() ** 2 / (w[m] ** 2).sum()) for m in (t, ~t)]
    print(name, "ess:", [repr(v) for v in ess])
    for j, x in enumerate([x1, x2]):
        sd = np.sqrt((x[t].var(ddof=1) + x[~t].var(ddof=1)) / 2)
        before = (x[t].mean() - x[~t].mean()) / sd
        after = (np.average(x[t], weights=w[t]) - np.average(x[~t], weights=w[~t])) / sd
        print(name, "smd", j, repr(float(before)), repr(float(after)))

# Trimming at 0.3 <= e <= 0.7 (ATT).
keep = (e >= 0.3) & (e <= 0.7)
w = np.where(t, 1.0, e / (1 - e))
fit = sm.WLS(y[keep], X[keep], weights=w[keep]).fit(cov_type="HC0")
print("att trimmed estimate:", repr(float(fit.params[1])), "se:", repr(float(fit.bse[1])), "dropped:", int((~keep).sum()))

# AIPW (numpy formulas, Sources/CampaignLabStats/AugmentedIPW.swift): outcome models OLS of y on
# [1, x1, x2] per group (np.linalg.lstsq).
Z = np.column_stack([np.ones(600), x1, x2])
b1 = np.linalg.lstsq(Z[t], y[t], rcond=None)[0]
b0 = np.linalg.lstsq(Z[~t], y[~t], rcond=None)[0]
m1, m0 = Z @ b1, Z @ b0
psi = m1 - m0 + np.where(t, (y - m1) / e, -(y - m0) / (1 - e))
tau = psi.mean()
print("aipw ate:", repr(float(tau)), "se:", repr(float(np.sqrt(((psi - tau) ** 2).sum()) / 600)))
r = y - m0
n1 = t.sum()
tau = (np.where(t, r, 0).sum() - np.where(~t, e / (1 - e) * r, 0).sum()) / n1
phi = np.where(t, r - tau, -e / (1 - e) * r)
print("aipw att:", repr(float(tau)), "se:", repr(float(np.sqrt((phi ** 2).sum()) / n1)))

# Crump, Hotz, Imbens & Mitnik (2009) optimal overlap bound. With g = 1/(e(1-e)), no trimming when
# max g <= 2 mean g; otherwise keep {g <= gamma} where gamma = 2 E[g | g <= gamma]. In a sample that
# equation can have several roots; the kept set is the one minimising the sample variance bound
# sum(g kept) / k^2 (Crump et al.'s objective), and alpha = 1/2 - sqrt(1/4 - 1/gamma) with
# gamma = 2 mean(g kept). Here: every root of the equation (one per sorted prefix k with
# g_k <= 2 m_k < g_(k+1)) is listed and the objective picks among them; the Swift code minimises the
# objective over all prefixes instead. Scores: e = 1 / (1 + exp(-4 sin(i))), i < 600.
es = 1 / (1 + np.exp(-4 * np.sin(i)))
gs = np.sort(1 / (es * (1 - es)))
m = np.cumsum(gs) / np.arange(1, 601)
roots = [k + 1 for k in range(600) if gs[k] <= 2 * m[k] and (k == 599 or 2 * m[k] < gs[k + 1])]
k = min(roots, key=lambda kk: gs[:kk].sum() / kk ** 2)
gam = 2 * gs[:k].mean()
print("crump roots (kept counts):", roots, "chosen kept:", k, "gamma:", repr(float(gam)),
      "alpha:", repr(float(0.5 - np.sqrt(0.25 - 1 / gam))))
# The main data set: the rule does not trim (max g <= 2 mean g).
g2 = 1 / (e * (1 - e))
print("crump on the main data trims:", bool(g2.max() > 2 * g2.mean()))
