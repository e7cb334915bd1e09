"""Peer for the logistic-regression benchmark: the same 10-covariate data as
Benchmarks/Sources/campaignlab-bench/LogitBenchmark.swift (integer hash, identical in both),
fitted with statsmodels Logit (Newton, the default).

Usage: python3 logit_peer.py ROWS   -> one JSON line: seconds and estimates.
"""
import json
import sys
import time

import numpy as np

from ols_peer import K, column


def data(n):
    i = np.arange(n, dtype=np.uint64)
    X = np.empty((n, K))
    for j in range(K):
        X[:, j] = column(i, j)
    eta = -1.0 + X @ (0.2 * np.arange(1, K + 1) - 1.0)
    y = (column(i, 101) < 1.0 / (1.0 + np.exp(-eta))).astype(np.float64)
    return X, y


def main():
    n = int(sys.argv[1])
    X, y = data(n)
    import statsmodels.api as sm
    t0 = time.perf_counter()
    fit = sm.Logit(y, sm.add_constant(X)).fit(disp=0)
    seconds = time.perf_counter() - t0
    print(json.dumps({"rows": n, "statsmodels_seconds": seconds, "params": fit.params.tolist(),
                      "bse": fit.bse.tolist(), "llf": float(fit.llf), "iterations": int(fit.mle_retvals["iterations"])}))


if __name__ == "__main__":
    main()
