"""Reference values for Tests/CampaignLabStatsTests/InequalityTests.swift.

Lorenz curve, Gini coefficient and top/bottom shares of deterministic balances that the
Swift tests rebuild with the same formulas. The formulas, in numpy:

  Lorenz points  P = [0, cumsum(w[o]) / sum(w)],  L = [0, cumsum((w*x)[o]) / sum(w*x)],
                 o = argsort(x, kind="stable")
  share held by the poorest p      np.interp(p, P, L)
  share held by the richest p      1 - np.interp(1 - p, P, L)
  Gini (definition)                sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mu),
                                   W = sum(w), mu = sum(w*x)/W   (double sum, in blocks)
  Gini, small-sample corrected     the above * W / (W - 1)

The Swift code uses the O(n log n) sorted-sum form; this script uses the O(n^2) double sum.
Closed forms checked too: x = 1..n gives G = (n - 1) / (3n) (the mean absolute difference
of 1..n is (n^2 - 1) / (3n)); one holder of everything among n gives 1 - 1/n.
Run: python3 Tests/References/inequality.py
"""
import numpy as np


def gini_double_sum(x, w=None):
    x = np.asarray(x, dtype=float)
    w = np.ones_like(x) if w is None else np.asarray(w, dtype=float)
    W = w.sum()
    mu = (w * x).sum() / W
    total = 0.0
    for start in range(0, len(x), 1000):
        xs, ws = x[start:start + 1000], w[start:start + 1000]
        total += (ws[:, None] * w[None, :] * np.abs(xs[:, None] - x[None, :])).sum()
    return total / (2 * W * W * mu)


def lorenz(x, w=None):
    x = np.asarray(x, dtype=float)
    w = np.ones_like(x) if w is None else np.asarray(w, dtype=float)
    o = np.argsort(x, kind="stable")
    P = np.concatenate([[0.0], np.cumsum(w[o]) / w.sum()])
    L = np.concatenate([[0.0], np.cumsum((w * x)[o]) / (w * x).sum()])
    return P, L


def balances():
    """10,000 long-tailed balances (CNY): Pareto-like with ties, every 17th customer at 0."""
    i = np.arange(10_000)
    u = ((i * 7919) % 9973 + 1) / 9974
    x = np.round(1000 / u ** (1 / 1.2), 2)
    x[i % 17 == 0] = 0.0
    w = 1 + i % 4
    return x, w


SHARES = [0.0, 0.2, 0.5, 0.8, 0.9, 0.98, 0.99, 1.0]

for name, x, w in [("1..5", np.arange(1, 6), None), ("one holds all", [0, 0, 0, 10], None),
                   ("small weighted", [5, 1, 3, 3, 8], [2, 1, 1, 3, 1])]:
    g = gini_double_sum(x, w)
    W = len(x) if w is None else sum(w)
    P, L = lorenz(x, w)
    print(f"{name}: gini {float(g)!r} corrected {float(g * W / (W - 1))!r}")
    print("   P", [repr(float(v)) for v in P])
    print("   L", [repr(float(v)) for v in L])
print("closed forms: 1..5 -> 4/15 =", repr(4 / 15), "; one of 4 holds all -> 3/4")

x, w = balances()
print("balances: n", len(x), "zeros", int((x == 0).sum()), "distinct", len(np.unique(x)), "sum", repr(float(x.sum())))
for label, weights in [("unweighted", None), ("weights 1 + i % 4", w)]:
    g = gini_double_sum(x, weights)
    W = len(x) if weights is None else weights.sum()
    P, L = lorenz(x, weights)
    print(f"balances {label}: gini {float(g)!r} corrected {float(g * W / (W - 1))!r}")
    print("   np.interp(p, P, L) for p in", SHARES, [repr(float(np.interp(p, P, L))) for p in SHARES])
    print("   top 1%, 2%, 20% (1 - np.interp(1 - p, P, L))", [repr(float(1 - np.interp(1 - p, P, L))) for p in (0.01, 0.02, 0.2)])
    print("   L[1:4], L[5000], L[-2]", [repr(float(v)) for v in (*L[1:4], L[5000], L[-2])])
