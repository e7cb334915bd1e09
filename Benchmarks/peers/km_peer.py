"""Peer for the Kaplan–Meier benchmark: the same durations as
Benchmarks/Sources/campaignlab-bench/KaplanMeierBenchmark.swift (integer hash, identical in
both): days to convert 1..60 (many ties, as in funnel data), 70% observed, the rest censored;
fitted with lifelines KaplanMeierFitter.

Usage: python3 km_peer.py ROWS   -> one JSON line: seconds and estimates.
"""
import json
import sys
import time

import numpy as np

from ols_peer import column


def data(n):
    i = np.arange(n, dtype=np.uint64)
    durations = np.floor(column(i, 201) * 60.0) + 1.0
    observed = column(i, 202) < 0.7
    return durations, observed


def main():
    n = int(sys.argv[1])
    T, E = data(n)
    from lifelines import KaplanMeierFitter
    t0 = time.perf_counter()
    kmf = KaplanMeierFitter().fit(T, E)
    median = float(kmf.median_survival_time_)
    seconds = time.perf_counter() - t0
    sf = kmf.survival_function_.iloc[:, 0]
    ci = kmf.confidence_interval_
    print(json.dumps({"rows": n, "lifelines_seconds": seconds, "median": median,
                      "s7": float(kmf.predict(7.0)), "s30": float(kmf.predict(30.0)),
                      "ci30": [float(ci.loc[30.0].iloc[0]), float(ci.loc[30.0].iloc[1])],
                      "times": len(sf)}))


if __name__ == "__main__":
    main()
