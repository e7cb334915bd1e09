"""Reference values for Tests/CampaignLabStatsTests/DistributionsTests.swift (scipy)."""
from scipy import stats

for x in (-1.959963984540054, 0.0, 1.0, -8.0):
    print("norm.cdf", x, repr(stats.norm.cdf(x)))
print("norm.ppf 0.975", repr(stats.norm.ppf(0.975)))
print("t.sf 2.0 7.5", repr(stats.t.sf(2.0, 7.5)))
print("t.ppf 0.975 10", repr(stats.t.ppf(0.975, 10)))
print("chi2.sf 3.84 1", repr(stats.chi2.sf(3.84, 1)))
