"""Reference values for Tests/CampaignLabStatsTests/QuantileTests.swift.

Point estimates: np.quantile(x, p, method=m) for the nine Hyndman-Fan methods (checked
equal to scipy.stats.quantile(x, p, method=m)). Distribution-free interval for the
p-quantile by order statistics (Conover 1999, sec. 3.2):

  B ~ Binomial(n, p) (the number of sample values below the p-quantile), alpha = 1 - level
  l = B.ppf(alpha / 2),  u = B.ppf(1 - alpha / 2) + 1          (1-based ranks)
  interval [x_(l), x_(u)]  (-inf if l = 0, +inf if u = n + 1)
  coverage = B.cdf(u - 1) - B.cdf(l - 1)  >= level

with B = scipy.stats.binom(n, p). Data rebuilt by the Swift test from the same formulas.
Run: python3 Tests/References/inequality_quantiles.py
"""
import numpy as np
import scipy.stats as st

METHODS = ["inverted_cdf", "averaged_inverted_cdf", "closest_observation", "interpolated_inverted_cdf",
           "hazen", "weibull", "linear", "median_unbiased", "normal_unbiased"]
SMALL = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3], dtype=float)
P_SMALL = [0.0, 0.05, 0.1, 0.15, 0.25, 0.3, 0.33, 0.5, 0.55, 0.75, 0.9, 0.95, 1.0]


def days(n):
    """n durations with ties: ((i * 7919) % 997) // 4 / 2 + (i % 3) / 4."""
    i = np.arange(n)
    return ((i * 7919) % 997) // 4 / 2 + (i % 3) / 4


P_LARGE = [0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999]


def quantiles(x, ps):
    for m in METHODS:
        q = np.quantile(x, ps, method=m)
        s = st.quantile(x, np.array(ps), method=m)
        assert np.array_equal(q, s) or np.allclose(q, s, rtol=1e-15, atol=0), (m, q, s)
        print(f"  {m}:", "[" + ", ".join(repr(float(v)) for v in q) + "]")


print("small x =", list(SMALL), "p =", P_SMALL)
quantiles(SMALL, P_SMALL)
for n in (1000, 1001):
    print(f"days({n}) p =", P_LARGE)
    quantiles(days(n), P_LARGE)

print("order-statistic intervals, level 0.95: (n, p) -> l, u, coverage, x_(l), x_(u)")
for n in (10, 100, 1000):
    x = np.sort(days(n))
    for p in (0.5, 0.9, 0.99):
        b = st.binom(n, p)
        l = int(b.ppf(0.025))
        u = int(b.ppf(0.975)) + 1
        cov = b.cdf(u - 1) - (b.cdf(l - 1) if l >= 1 else 0.0)
        lo = x[l - 1] if l >= 1 else -np.inf
        hi = x[u - 1] if u <= n else np.inf
        print(f"  ({n}, {p}): {l}, {u}, {float(cov)!r}, {float(lo)!r}, {float(hi)!r}")
