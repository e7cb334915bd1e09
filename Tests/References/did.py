"""Reference values for Tests/CampaignLabStatsTests/DifferenceInDifferencesTests.swift.

Data (rebuilt with the same formulas in the Swift test), units i = 0..399:
  treated = i % 3 == 0;  x1 = sin(i);  x2 = ((i * 37) % 101) / 101
  e1 = ((i * 7919) % 997) / 997 - 0.5;  e2 = ((i * 104729) % 991) / 991 - 0.5
  pre  = 10 + 2 x1 + 3 x2 + 1.5 treated + 4 e1
  post = pre + 0.5 + 0.8 x2 + 2 treated + 3 e2 (1 + treated)
Run: python3 Tests/References/did.py
"""
import math

import numpy as np
import statsmodels.api as sm
from scipy import stats

n = 400
i = np.arange(n)
treated = (i % 3 == 0).astype(float)
x1 = np.sin(i)
x2 = ((i * 37) % 101) / 101
e1 = ((i * 7919) % 997) / 997 - 0.5
e2 = ((i * 104729) % 991) / 991 - 0.5
pre = 10 + 2 * x1 + 3 * x2 + 1.5 * treated + 4 * e1
post = pre + 0.5 + 0.8 * x2 + 2 * treated + 3 * e2 * (1 + treated)
change = post - pre

# Panel 2x2: Welch t on the per-unit changes (scipy.stats.ttest_ind(equal_var=False)).
a, b = change[treated == 1], change[treated == 0]
t = stats.ttest_ind(a, b, equal_var=False)
ci = t.confidence_interval(0.95)
print("panel estimate:", repr(float(a.mean() - b.mean())))
print("panel p:", repr(float(t.pvalue)), "df:", repr(float(t.df)))
print("panel ci:", repr(float(ci.low)), repr(float(ci.high)))

# Repeated cross-sections: the pre and post rows as independent samples; saturated OLS
# y ~ T + Post + T:Post with HC2 (= sqrt(sum of s_g^2 / n_g) for group means), z interval.
y = np.concatenate([pre, post])
T = np.concatenate([treated, treated])
P = np.concatenate([np.zeros(n), np.ones(n)])
X = sm.add_constant(np.column_stack([T, P, T * P]))
fit = sm.OLS(y, X).fit(cov_type="HC2")
print("cross-section estimate:", repr(float(fit.params[3])))
print("cross-section se (HC2):", repr(float(fit.bse[3])))
print("cross-section p:", repr(float(fit.pvalues[3])))
print("cross-section ci:", repr(float(fit.conf_int()[3][0])), repr(float(fit.conf_int()[3][1])))

# With covariates: OLS change ~ T + x1 + x2, HC1 (statsmodels uses z for robust covariances).
fit = sm.OLS(change, sm.add_constant(np.column_stack([treated, x1, x2]))).fit(cov_type="HC1")
print("covariates estimate:", repr(float(fit.params[1])))
print("covariates se (HC1):", repr(float(fit.bse[1])))
print("covariates p:", repr(float(fit.pvalues[1])))
print("covariates ci:", repr(float(fit.conf_int()[1][0])), repr(float(fit.conf_int()[1][1])))
