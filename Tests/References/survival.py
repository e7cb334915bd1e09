"""Reference values for Tests/CampaignLabStatsTests/KaplanMeierTests.swift and LogRankTests.swift.

lifelines 0.30 (KaplanMeierFitter, utils.median_survival_times / qth_survival_times,
utils.restricted_mean_survival_time, statistics.logrank_test / multivariate_logrank_test)
on deterministic data that the Swift tests rebuild with the same formulas; where lifelines
has no counterpart (plain and log intervals, the standard error of the restricted mean) the
textbook formula is written out below and, if R is installed, R survival's survfit is run
too. Run: python3 Tests/References/survival.py
"""
import os
import shutil
import subprocess
import tempfile
import warnings

import numpy as np
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test, multivariate_logrank_test
from lifelines.utils import median_survival_times, qth_survival_times, restricted_mean_survival_time
from scipy.stats import norm

warnings.simplefilter("ignore")
Z = norm.ppf(0.975)


def show(label, values):
    print(label, "[" + ", ".join(repr(float(v)) for v in np.ravel(values)) + "]")


# --- small, hand-checkable: 10 customers, days to convert, 0 = censored
T_SMALL = np.array([2, 3, 3, 5, 6, 6, 6, 8, 9, 10], dtype=float)
E_SMALL = np.array([1, 1, 0, 1, 1, 0, 1, 0, 1, 0])


# --- larger: 10,000 durations 0..60 days with ties; censored at a 45-day window end and
# every 11th customer lost early (censored at its own time).
def large():
    i = np.arange(10_000)
    raw = ((i * 7919) % 997) % 61
    lost = i % 11 == 0
    t = np.minimum(raw, 45).astype(float)
    e = ((raw <= 45) & ~lost).astype(int)
    return t, e


def km_report(name, t, e, weights=None, horizons=(), qs=(0.5,)):
    kmf = KaplanMeierFitter().fit(t, e, weights=weights)
    sf = kmf.survival_function_.iloc[:, 0]
    ci = kmf.confidence_interval_
    print(f"== {name}: KaplanMeierFitter().fit(T, E{', weights=W' if weights is not None else ''})")
    show("timeline", sf.index.values)
    show("survival_function_", sf.values)
    show("confidence_interval_ lower", ci.iloc[:, 0].values)
    show("confidence_interval_ upper", ci.iloc[:, 1].values)
    show("_cumulative_sq_", kmf._cumulative_sq_.values)
    print("median_survival_time_", repr(float(kmf.median_survival_time_)))
    m = median_survival_times(kmf.confidence_interval_)
    show("median_survival_times(kmf.confidence_interval_)", m.values)
    for q in qs:
        show(f"qth_survival_times({q}, survival_function_ / confidence_interval_)",
             [qth_survival_times(q, kmf.survival_function_)] + list(np.ravel(qth_survival_times(q, kmf.confidence_interval_).values)))
    # log and plain transforms (R survfit conf.type = "log" / "plain"), from lifelines' S and Σ d/(n(n-d)):
    s = sf.values
    v = kmf._cumulative_sq_.values
    with np.errstate(divide="ignore", invalid="ignore"):
        show("log lower  S*exp(-z*sqrt(V))", np.where(s > 0, s * np.exp(-Z * np.sqrt(v)), 0))
        show("log upper  min(1, S*exp(z*sqrt(V)))", np.where(s > 0, np.minimum(1, s * np.exp(Z * np.sqrt(v))), 0))
    show("plain lower max(0, S - z*S*sqrt(V))", np.maximum(0, s - Z * s * np.sqrt(v)))
    show("plain upper min(1, S + z*S*sqrt(V))", np.minimum(1, s + Z * s * np.sqrt(v)))
    for tau in horizons:
        mean, var = restricted_mean_survival_time(kmf, t=tau, return_variance=True)
        # Exact version of lifelines' 2*quad(tau*S(tau)) - mean^2 over the step function,
        # and the Klein-Moeschberger standard error  sum_j A_j^2 d_j / (n_j (n_j - d_j)),
        # A_j = integral of S from t_j to tau (R: print(survfit(...), rmean = tau)).
        times = sf.index.values
        keep = times <= tau
        a = times[keep]
        b = np.append(a[1:], tau)
        exact_second = np.sum(s[keep] * (b**2 - a**2))
        pieces = s[keep] * (b - a)
        tail = np.cumsum(pieces[::-1])[::-1]
        table = kmf.event_table.loc[a]
        d = table["observed"].values
        n = table["at_risk"].values
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where((d > 0) & (n > d), d / (n * (n - d)), 0.0)
        se = np.sqrt(np.sum(tail**2 * term))
        print(f"rmst tau={tau!r}: restricted_mean_survival_time(kmf, t=tau, return_variance=True)",
              repr(float(mean)), repr(float(var)), "| exact variance", repr(float(exact_second - mean**2)), "| KM se", repr(float(se)))
    return kmf


def r_survfit(name, t, e, tau):
    """The same fit in R survival (if installed): plain/log bounds and se(rmean)."""
    if shutil.which("Rscript") is None:
        print("(Rscript not found; R cross-check skipped)")
        return
    script = f"""
library(survival)
t <- c({",".join(repr(float(x)) for x in t)})
e <- c({",".join(str(int(x)) for x in e)})
for (ct in c("log", "plain", "log-log")) {{
  f <- survfit(Surv(t, e) ~ 1, conf.type = ct)
  cat(ct, "lower", sprintf("%.17g", f$lower), "\\n")
  cat(ct, "upper", sprintf("%.17g", f$upper), "\\n")
}}
q <- quantile(survfit(Surv(t, e) ~ 1, conf.type = "log-log"), c(0.25, 0.5, 0.75))
cat("quantile(survfit(conf.type = 'log-log'), c(.25, .5, .75)) time, lower, upper:", q$quantile, "|", q$lower, "|", q$upper, "\\n")
f <- survfit(Surv(t, e) ~ 1)
cat("rmean", sprintf("%.17g", summary(f, rmean = {tau})$table[c("rmean", "se(rmean)")]), "\\n")
"""
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as f:
        f.write(script)
    out = subprocess.run(["Rscript", f.name], capture_output=True, text=True)
    os.unlink(f.name)
    print(f"== R survival on {name} (times with events or censoring only):")
    print(out.stdout.strip() or out.stderr.strip())


km_report("small", T_SMALL, E_SMALL, horizons=(7.0, 12.0), qs=(0.5, 0.25, 0.75))
r_survfit("small", T_SMALL, E_SMALL, 7.0)

# weights: the small data collapsed to counts
print("== weighted: the small data as (time, event, count) rows")
kmf_w = km_report("small weighted", np.array([2, 3, 3, 5, 6, 6, 8, 9, 10], dtype=float),
                  np.array([1, 1, 0, 1, 1, 0, 0, 1, 0]), weights=np.array([1, 1, 1, 1, 2, 1, 1, 1, 1]))

t, e = large()
print("large: n", len(t), "events", int(e.sum()), "distinct times", len(np.unique(t)))
kmf = km_report("large", t, e, horizons=(30.0, 45.0, 60.0), qs=(0.5, 0.25, 0.75, 0.1))
print("survival_function_at_times([0, 7, 7.5, 44.9, 100])", [repr(float(x)) for x in kmf.survival_function_at_times([0, 7, 7.5, 44.9, 100]).values])
r_survfit("large", t, e, 30.0)

# all converted by the end (S reaches 0): the last interval is (0, 0)
km_report("all events", np.array([1, 2, 2, 4], dtype=float), np.array([1, 1, 1, 1]), horizons=(3.0,))


# --- log-rank
print("== lifelines multivariate_logrank_test docstring example")
G = [0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2]
T = [5, 3, 9, 8, 7, 4, 4, 3, 2, 5, 6, 7]
E = [1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0]
r = multivariate_logrank_test(T, G, E)
print("multivariate_logrank_test(T, G, E)", repr(float(r.test_statistic)), repr(float(r.p_value)), r.degrees_of_freedom)


def logrank_data():
    """Three campaign channels, 3,000 customers each, durations >= 1 day."""
    i = np.arange(9_000)
    g = i % 3
    raw = 1 + ((i * 7919) % 997) % 60 + np.where(g == 1, i % 5, 0) + np.where(g == 2, (i % 7) * 2, 0)
    t = np.minimum(raw, 50).astype(float)
    e = ((raw <= 50) & (i % 13 != 0)).astype(int)
    return g, t, e


g, t, e = logrank_data()
WEIGHTINGS = [(None, {}), ("wilcoxon", {}), ("tarone-ware", {}), ("peto", {}),
              ("fleming-harrington", {"p": 0, "q": 1}), ("fleming-harrington", {"p": 1, "q": 0}),
              ("fleming-harrington", {"p": 0.5, "q": 2})]
for w, kw in WEIGHTINGS:
    a, b = g == 0, g == 1
    r2 = logrank_test(t[a], t[b], e[a], e[b], weightings=w, **kw)
    r3 = multivariate_logrank_test(t, g, e, weightings=w, **kw)
    print(f"weightings={w!r} {kw}: logrank_test(groups 0, 1)", repr(float(r2.test_statistic)), repr(float(r2.p_value)),
          "| multivariate_logrank_test(3 groups)", repr(float(r3.test_statistic)), repr(float(r3.p_value)), r3.degrees_of_freedom)
