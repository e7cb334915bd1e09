"""Reference values for Tests/CampaignLabStatsTests/MeanDifferenceTests.swift.

Run: python3 Tests/References/mean_difference.py   (scipy 1.17.1, numpy 2.4)
"""
import numpy as np
from scipy import stats

# 1. GrowthBook gbstats published case (sums only): Welch t, delta-method relative lift.
n0, s0, ss0 = 3407, 1396.87, 52377.9767
n1, s1, ss1 = 3461, 2422.7, 134698.29
m0, m1 = s0 / n0, s1 / n1
v0 = (ss0 - s0**2 / n0) / (n0 - 1)
v1 = (ss1 - s1**2 / n1) / (n1 - 1)
se = np.sqrt(v0 / n0 + v1 / n1)
df = (v0/n0 + v1/n1)**2 / ((v0/n0)**2/(n0-1) + (v1/n1)**2/(n1-1))
t = stats.t(df)
q = t.ppf(0.975)
d = m1 - m0
print("growthbook abs", repr(d), repr(d - q*se), repr(d + q*se), repr(2*t.sf(abs(d/se))), repr(df))
r = m1/m0 - 1
ser = np.sqrt(v1/(n1*m0**2) + v0*m1**2/(n0*m0**4))
print("growthbook rel", repr(r), repr(r - q*ser), repr(r + q*ser), repr(2*t.sf(abs(r/ser))))

# 2. Raw samples: scipy.stats.ttest_ind(equal_var=False) and its confidence_interval().
a = np.array([12.1, 9.8, 11.4, 10.0, 13.3, 12.7, 9.1, 10.9, 11.8, 14.2])
b = np.array([9.5, 8.7, 10.2, 9.9, 8.1, 10.8, 9.0, 7.7])
res = stats.ttest_ind(a, b, equal_var=False)
ci = res.confidence_interval(0.95)
print("welch raw", repr(a.mean() - b.mean()), repr(ci.low), repr(ci.high), repr(res.pvalue), repr(res.df))

# 3. Fieller and log-ratio intervals for the raw samples, by their textbook formulas
#    (Fieller 1954; delta method on log ratio), Welch df, level 0.95.
va, vb = a.var(ddof=1)/len(a), b.var(ddof=1)/len(b)
dfr = res.df
tq = stats.t.ppf(0.975, dfr)
A = b.mean()**2 - tq**2*vb; B = a.mean()*b.mean(); C = a.mean()**2 - tq**2*va
disc = B*B - A*C
print("fieller", repr((B - np.sqrt(disc))/A - 1), repr((B + np.sqrt(disc))/A - 1))
lse = np.sqrt(va/a.mean()**2 + vb/b.mean()**2)
lr = np.log(a.mean()/b.mean())
print("logratio", repr(np.exp(lr - tq*lse) - 1), repr(np.exp(lr + tq*lse) - 1), repr(2*stats.t.sf(abs(lr/lse), dfr)))
