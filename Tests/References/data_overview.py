"""Reference values for OverviewAnalysisTests (Tests/CampaignLabNotebookTests/NotebookRunnerTests.swift):
the AUM concentration and the tier counts of the data overview on datasets/demo-small.sqlite, month
2026-10, recomputed with numpy/pandas from the raw rows.

  Gini            double sum sum_ij |x_i - x_j| / (2 n^2 mu) (Tests/References/inequality.py's definition)
  top 1% share    1 - np.interp(0.99, P, L) on the Lorenz points P = [0, i/n], L = [0, cumsum(sorted x)/sum x]
  median          numpy's default (linear) quantile
  tiers           pandas.cut at 50,000 / 500,000 / 6,000,000 CNY (left-closed), customers and AUM per tier
Run: python3 Tests/References/data_overview.py
"""
import sqlite3

import numpy as np
import pandas as pd

con = sqlite3.connect("file:datasets/demo-small.sqlite?mode=ro", uri=True)
x = pd.read_sql_query("SELECT aum FROM customer_months WHERE month = '2026-10' AND aum IS NOT NULL", con).aum.values
x = np.sort(x)
n, mu = len(x), x.mean()
gini = sum(np.abs(x[i:i + 500, None] - x[None, :]).sum() for i in range(0, n, 500)) / (2 * n * n * mu)
P = np.concatenate([[0], np.arange(1, n + 1) / n])
L = np.concatenate([[0], np.cumsum(x) / x.sum()])
print("customers", n, "gini", repr(float(gini)), "top1", repr(float(1 - np.interp(0.99, P, L))),
      "median", repr(float(np.quantile(x, 0.5))))
tiers = pd.cut(x, [-np.inf, 50_000, 500_000, 6_000_000, np.inf], right=False)
print("tier counts", pd.Series(tiers).value_counts(sort=False).tolist(),
      "tier aum", [repr(float(v)) for v in pd.Series(x).groupby(tiers, observed=False).sum().tolist()])
