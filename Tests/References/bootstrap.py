"""Reference values for Tests/CampaignLabStatsTests/BootstrapTests.swift.

An independent Python transcription of the Poisson bootstrap as documented in
Sources/CampaignLabStats/Bootstrap.swift: xoshiro256** seeded by SplitMix64 (Blackman & Vigna
reference C code), per-unit streams (`stream(for:)`), Poisson(1) weights by inversion, the
weighted mean per replicate, and numpy's default (type 7) quantiles for the intervals.
Run: python3 Tests/References/bootstrap.py
"""
import math

import numpy as np
from scipy.stats import norm

M = (1 << 64) - 1


def mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


class Xoshiro:
    def __init__(self, seed):
        s = []
        st = seed
        for _ in range(4):
            st = (st + 0x9E3779B97F4A7C15) & M
            s.append(mix(st))
        self.s = s

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & M, 7) * 9) & M
        t = (s[1] << 17) & M
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def stream(self, key):
        s0, s1, s2, s3 = self.s
        base = mix(s0 ^ rotl(s1, 17) ^ rotl(s2, 31) ^ rotl(s3, 47))
        return Xoshiro(base ^ mix((key + 0x6A09E667F3BCC909) & M))

    def uniform(self):
        return (self.next() >> 11) * 2.0 ** -53

    def poisson_one(self):
        u = self.uniform()
        term = 0.36787944117144233
        cdf = term
        k = 0
        while u >= cdf and k < 30:
            k += 1
            term /= k
            cdf += term
        return k


# Data: unit i = 1...200, y_i = 10 + 3 sin(i) + (i mod 7); replicates B = 50, seed 2026.
units = list(range(1, 201))
y = np.array([10 + 3 * math.sin(i) + (i % 7) for i in units])
B, seed = 50, 2026
root = Xoshiro(seed)
W = np.zeros((B, len(units)))
for j, i in enumerate(units):
    st = root.stream(i)
    for r in range(B):
        W[r, j] = st.poisson_one()
means = (W @ y) / W.sum(axis=1)
est = y.mean()
se = means.std(ddof=1)
lo, hi = np.quantile(means, [0.025, 0.975])
z = norm.ppf(0.975)
print("first 5 weights of unit 1:", W[:5, 0].astype(int).tolist())
print("replicate means[0:3]:", [repr(float(v)) for v in means[:3]])
print("estimate:", repr(float(est)))
print("standard error:", repr(float(se)))
print("percentile:", repr(float(lo)), repr(float(hi)))
print("basic:", repr(float(2 * est - hi)), repr(float(2 * est - lo)))
print("normal:", repr(float(est - z * se)), repr(float(est + z * se)))
