"""Peer for the streamed-OLS benchmark: the same 10-covariate data as
Benchmarks/Sources/campaignlab-bench/OLSBenchmark.swift (integer hash, identical in both),
fitted with statsmodels OLS + HC1 and with numpy normal equations.

Usage: python3 ols_peer.py ROWS   -> one JSON line: seconds and estimates.
"""
import json
import sys
import time

import numpy as np

K = 10
MASK = (1 << 20) - 1


def column(i, j):
    h = (i * np.uint64(2654435761 + 2 * j)) ^ (i >> np.uint64(3))
    return (h & np.uint64(MASK)).astype(np.float64) / 1048576.0


def data(n):
    i = np.arange(n, dtype=np.uint64)
    X = np.empty((n, K))
    for j in range(K):
        X[:, j] = column(i, j)
    noise = column(i, 97) - 0.5
    y = 1.0 + X @ (0.1 * np.arange(1, K + 1)) + noise * (1.0 + X[:, 0])
    return X, y


def main():
    n = int(sys.argv[1])
    X, y = data(n)
    out = {"rows": n}
    import statsmodels.api as sm
    t0 = time.perf_counter()
    Xc = sm.add_constant(X)
    fit = sm.OLS(y, Xc).fit(cov_type="HC1")
    out["statsmodels_seconds"] = time.perf_counter() - t0
    out["statsmodels_params"] = fit.params.tolist()
    out["statsmodels_hc1"] = fit.bse.tolist()
    del fit
    t0 = time.perf_counter()
    xtx = Xc.T @ Xc
    beta = np.linalg.solve(xtx, Xc.T @ y)
    e = y - Xc @ beta
    inv = np.linalg.inv(xtx)
    meat = (Xc * (e * e)[:, None]).T @ Xc
    hc1 = np.sqrt(np.diag(inv @ meat @ inv) * n / (n - K - 1))
    out["numpy_seconds"] = time.perf_counter() - t0
    out["numpy_params"] = beta.tolist()
    out["numpy_hc1"] = hc1.tolist()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
