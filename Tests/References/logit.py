"""Reference values for Tests/CampaignLabStatsTests/LogisticRegressionTests.swift.

Data (rebuilt with the same formulas in the Swift test), rows i = 0..499:
  x1 = sin(i);  x2 = ((i * 37) % 101) / 101;  x3 = 1 if i % 4 == 0 else 0
  eta = -0.5 + 1.2 x1 - 2 x2 + 0.8 x3;  u = ((i * 7919) % 1009) / 1009
  y = 1 if u < 1 / (1 + exp(-eta)) else 0
statsmodels Logit(y, add_constant(X)).fit(disp=0, tol=1e-14, maxiter=100).
Run: python3 Tests/References/logit.py
"""
import math

import numpy as np
import statsmodels.api as sm

i = np.arange(500)
x1 = np.sin(i)
x2 = ((i * 37) % 101) / 101
x3 = (i % 4 == 0).astype(float)
eta = -0.5 + 1.2 * x1 - 2 * x2 + 0.8 * x3
u = ((i * 7919) % 1009) / 1009
y = (u < 1 / (1 + np.exp(-eta))).astype(float)
X = sm.add_constant(np.column_stack([x1, x2, x3]))
fit = sm.Logit(y, X).fit(disp=0, tol=1e-14, maxiter=100)
print("params:", [repr(float(v)) for v in fit.params])
print("bse:", [repr(float(v)) for v in fit.bse])
print("llf:", repr(float(fit.llf)))
print("sum y:", int(y.sum()))

# Separation: y = 1 exactly when x1 > 0 — statsmodels warns/raises perfect separation.
ys = (x1 > 0).astype(float)
try:
    sm.Logit(ys, X).fit(disp=0)
    print("separation: statsmodels fitted (with a PerfectSeparationWarning)")
except Exception as e:  # statsmodels < 0.14 raises PerfectSeparationError
    print("separation:", type(e).__name__)
