"""Reference values for Tests/CampaignLabStatsTests/LinearRegressionTests.swift.

statsmodels OLS with classical and HC1 covariance on deterministic data that the Swift
test rebuilds with the same formulas. Run: python3 Tests/References/ols_hc1.py
"""
import numpy as np
import statsmodels.api as sm

n = 200
i = np.arange(n)
x1 = ((i * 7919) % 1000) / 10 + 1e5          # a balance-like covariate with a large mean
x2 = np.sin(i)
x3 = (i % 3 == 0).astype(float)
noise = (((i * 104729) % 997) / 997 - 0.5) * (1 + 3 * np.abs(x2))   # heteroskedastic
y = 3 + 0.02 * x1 + 5 * x2 - 2 * x3 + noise
X = sm.add_constant(np.column_stack([x1, x2, x3]))
fit = sm.OLS(y, X).fit()
hc1 = sm.OLS(y, X).fit(cov_type="HC1")
print("params", [repr(v) for v in fit.params])
print("bse", [repr(v) for v in fit.bse])
print("hc1", [repr(v) for v in hc1.bse])
print("rsquared", repr(fit.rsquared))
