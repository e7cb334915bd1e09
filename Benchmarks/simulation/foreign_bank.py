#!/usr/bin/env python3
"""Contract-conforming SQLite banks with KNOWN true campaign effects, for testing CampaignLab.

A "foreign" bank: names, id types and conventions differ from `campaignlab demo` wherever
the data contract (shared DOMAIN.md) allows, so that nothing can pass by matching the demo.

Usage:
    python3 foreign_bank.py --mechanism M --seed S --customers N --out FILE.sqlite [--truth FILE.json]

Common layout (every mechanism):
  * customers(customer_id TEXT PRIMARY KEY 'C000001'…, opened_on, dimensions…); every
    customer opened before the first month and has all 15 months.
  * customer_months(customer_id, month, balance REAL CNY, fund_holdings INTEGER,
    mobile_logins INTEGER): 12 pre-period months 2024-07 … 2025-06 and the 3 campaign
    months 2025-07 … 2025-09. The campaign runs 2025-07-01 … 2025-09-30.
  * events: open_app (one per mobile login, the campaign months and the 3 months before,
    so their count equals mobile_logins), view_offer, join, buy_fund (one per month whose
    fund_holdings rose, value = amount); occurred_at 'YYYY-MM-DDTHH:MM:SS+08:00'.
  * campaigns / assignments (assigned_at ISO 8601 with +08:00; non-participants and
    randomized arms at the start), metric_definitions (label, unit, months, mean).
  * Monthly noise is an AR(1) "state" u (sd 1; rho 0.6, 0.7 for dimension_selection) per
    customer: the observed months are noisy measurements of each customer's stable level.
  * Potential outcomes: Y0 for everybody; Y1 = Y0 + effect in the campaign months only, for
    the customers of a treated arm. Stored values are rounded first (balance to the cent),
    and the truth is computed from the stored numbers.

Mechanisms:
  noisy_selection  (campaign wealth_sprint_2025q3, observational, participant vs
      non_participant; dimensions channel, city_tier — unrelated to anything)
      Latent engagement E ~ N(0,1). Joining: P = logistic(a + 1.2 E), a set so that 18%
      join; joining depends on E only, never on an observed value.
      balance: a near-empty account with probability logistic(-0.6 - 0.8 E) (level
        Exp(mean 60) CNY); otherwise level S = 2000 * Pareto(alpha 1.6) * exp(0.5 E).
        Month t: level * exp(0.4 u_t - 0.08) * 1.004^t (a common market drift).
      fund_holdings: H ~ Poisson(exp(-0.7 + 0.35 E + 0.25 log10(1 + S/1000))) (S = 0 for a
        near-empty account) plus a transient Poisson(0.2 exp(0.5 u_t - 0.125)) each month.
      mobile_logins: zero-inflated negative binomial: a month is a structural zero with
        probability logistic(-0.2 - 1.0 E), else NB(mean exp(1.4 + 0.5 E + 0.5 u_t - 0.125)
        * season_t, size 1.2); season: Feb 0.85, campaign months 1.05.
      Effects (participants, each campaign month): balance Y1 = 1.03 Y0 + 800;
        fund_holdings + Bernoulli(0.05) (one fund bought, held through the window);
        mobile_logins + Poisson(1.0).
      Pre-period values measure E with noise, so adjusting for them under-adjusts
      (regression to the mean). Level differences-in-differences are biased by the drift
      and the campaign-month login season (both proportional to the level).
  dimension_selection  (campaign fund_festival_2025, observational; dimensions TEXT tier,
      TEXT province, INTEGER age, REAL income)
      age ~ round N(42, 13) in 18..85; income = 90,000 exp(0.6 z_inc); province from 8 with
      fixed shares; level L: log L = log 18,000 + 0.5 z_inc + 0.25 z_age + 1.39 z
      (lognormal, sigma 1.5). balance month t = L exp(0.3 u_t - 0.045) 1.003^t.
      tier from the mean balance of the 3 pre-period months before the start:
      basic < 20k <= silver < 100k <= gold < 500k <= diamond.
      fund_holdings: H ~ Poisson(exp(-1 + 0.35 log10(L/1000) + 0.2 z_inc)) + transient as above.
      mobile_logins: ZINB, zero with probability 0.3 (0.5 over age 60), else
        NB(exp(0.9 - 0.015 (age-42) + 0.2 z_inc + 0.4 u_t - 0.08) season_t, size 1.2).
      Joining: P = logistic(a + tier + province - 0.025 (age-42) + 0.3 z_inc
        + 0.35 (log1p(pre-3-month mean balance) - its mean)), 20% join; tier coefficients
        basic 0, silver 0.4, gold 0.6, diamond 0.2; province coefficients PROVINCE_COEF.
      Effects with m = 3 for tier 'silver', 1 otherwise (and nothing by province):
        balance + m * 1500 * Gamma(2, 0.5) (per customer, every campaign month);
        fund_holdings + Bernoulli(0.04 m); mobile_logins + Poisson(0.5 m) per month.
      Selection is on observables only (age and income as numbers): a method that
      conditions on them correctly is unbiased. Level DiD is not (joining favours a high
      transient part of the pre-period balance, which then regresses), nor is a linear
      regression on pre-period levels (E[post | pre] is multiplicative and non-linear).
      Per-province true ATTs differ only through each province's tier mix.
  randomized_3arm  (campaign offer_page_test_2025, randomized; arms control, variant_a,
      variant_b by complete randomization in thirds; dimensions tier, province)
      Outcomes as noisy_selection; tier from the pre-period balance as above but with the
      cuts 1k / 10k / 100k (this bank is smaller).
      Effects: variant_a: balance 1.02 Y0 + 300, fund_holdings + Bernoulli(0.03),
        mobile_logins + Poisson(0.8); variant_b: balance + 600, fund_holdings
        + Bernoulli(0.06), mobile_logins no effect.
  observed_selection  (campaign salary_plus_2025q3, observational, participant vs
      non_participant; dimensions channel, city_tier — unrelated to anything)
      Outcomes as noisy_selection. Joining depends on what the bank sees: the means of the 3
      pre-period months before the start, P = logistic(a + 0.8 z(log1p balance) + 0.6
      z(log1p logins) + 0.3 z(funds)) with z() standardizing over the bank, 18% join (staff
      invite the customers whose recent statements look active). Conditioning on those
      means is exactly right; level DiD is not (joiners were picked on a high transient
      part, which regresses), nor is a regression linear in the levels.
      Effects as noisy_selection.

Truth JSON: {"mechanism", "seed", "customers", "campaign_id", "design", "control_arm",
"treated_arms", "metrics", "window", "truth": [{metric, arm, n_treated, att, att_expected,
counterfactual_mean, treated_mean, relative, by: {dimension: {level: {n, att,
att_expected, counterfactual_mean, relative}}}}]}. att = mean over the arm's customers of
(Y1 - Y0) averaged over the 3 campaign months (the 'mean' rollup); att_expected = the same
with each customer's expected effect given Y0 and dimensions (no effect noise: the
estimand of intervals built for a population ATT); counterfactual_mean =
mean Y0 over the same; relative = att / counterfactual_mean; `by` covers TEXT dimensions.
"""
import argparse
import json
import os
import sqlite3
import sys
import time

import numpy as np

MECHANISMS = ("noisy_selection", "dimension_selection", "randomized_3arm", "observed_selection")
MONTHS = [f"{2024 + (6 + i) // 12}-{(6 + i) % 12 + 1:02d}" for i in range(15)]  # 2024-07 … 2025-09
PRE, WINDOW = 12, 3
STARTS_ON, ENDS_ON = "2025-07-01", "2025-09-30"
METRICS = ("balance", "fund_holdings", "mobile_logins")
METRIC_DEFS = [
    ("balance", "Balance (monthly average daily)", "CNY", 1),
    ("fund_holdings", "Funds held", "funds", 1),
    ("mobile_logins", "Mobile app logins", "logins", 1),
]
PROVINCES = ["Guangdong", "Jiangsu", "Zhejiang", "Shandong", "Henan", "Sichuan", "Hubei", "Beijing"]
PROVINCE_SHARE = [0.18, 0.14, 0.13, 0.12, 0.11, 0.11, 0.11, 0.10]
PROVINCE_COEF = {"Guangdong": 0.4, "Zhejiang": 0.3, "Jiangsu": 0.2, "Beijing": 0.1, "Shandong": 0.0,
                 "Hubei": -0.1, "Sichuan": -0.2, "Henan": -0.3}
TIERS = np.array(["basic", "silver", "gold", "diamond"])
TIER_COEF = np.array([0.0, 0.4, 0.6, 0.2])
CAMPAIGNS = {
    "noisy_selection": ("wealth_sprint_2025q3", "Wealth sprint Q3 2025 (invite-only tasks)", "observational"),
    "dimension_selection": ("fund_festival_2025", "Fund festival 2025 (fee discount for joiners)", "observational"),
    "randomized_3arm": ("offer_page_test_2025", "Offer page redesign A/B/C 2025", "randomized"),
    "observed_selection": ("salary_plus_2025q3", "Salary-plus Q3 2025 (invitations by staff)", "observational"),
}


class UsageError(ValueError):
    """A bad argument to generate()."""


def expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def calibrate(lp, share):
    """Intercept a with mean(expit(a + lp)) == share (bisection on the sample)."""
    lo, hi = -20.0, 20.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if expit(mid + lp).mean() < share else (lo, mid)
    return (lo + hi) / 2


def ar1(rng, n, rho):
    """Per-customer AR(1) state over the 15 months, stationary sd 1."""
    u = np.empty((n, len(MONTHS)))
    u[:, 0] = rng.standard_normal(n)
    for t in range(1, len(MONTHS)):
        u[:, t] = rho * u[:, t - 1] + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    return u


def negbin(rng, mean, size):
    """Gamma–Poisson draws with the given mean array and size (dispersion)."""
    return rng.poisson(rng.gamma(size, mean / size))


def season():
    s = np.ones(len(MONTHS))
    s[[m.endswith("-02") for m in MONTHS]] = 0.85
    s[PRE:] = 1.05
    return s


def pre3_tier(balance, cuts=(20_000, 100_000, 500_000)):
    """Tier from the mean balance of the 3 months before the start."""
    pre3 = balance[:, PRE - 3:PRE].mean(axis=1)
    return TIERS[np.searchsorted(cuts, pre3, side="right")], pre3


def engagement_bank(rng, n):
    """The outcome model shared by noisy_selection and randomized_3arm (see the docstring)."""
    t = np.arange(len(MONTHS))
    e = rng.standard_normal(n)
    u = ar1(rng, n, 0.6)
    empty = rng.random(n) < expit(-0.6 - 0.8 * e)
    level = np.where(empty, rng.exponential(60.0, n),
                     2000.0 * (1.0 - rng.random(n)) ** (-1 / 1.6) * np.exp(0.5 * e))
    balance = level[:, None] * np.exp(0.4 * u - 0.08) * 1.004**t
    size = np.where(empty, 0.0, level)
    h = rng.poisson(np.exp(-0.7 + 0.35 * e + 0.25 * np.log10(1 + size / 1000)))
    funds = h[:, None] + rng.poisson(0.2 * np.exp(0.5 * u - 0.125))
    zero = rng.random((n, len(MONTHS))) < expit(-0.2 - 1.0 * e)[:, None]
    mu = np.exp(1.4 + 0.5 * e[:, None] + 0.5 * u - 0.125) * season()
    logins = np.where(zero, 0, negbin(rng, mu, 1.2))
    return e, {"balance": np.round(balance, 2), "fund_holdings": funds, "mobile_logins": logins}


def opened_on(rng, n):
    days = rng.integers(0, (np.datetime64("2024-06-30") - np.datetime64("2012-01-01")).astype(int), n)
    return np.datetime_as_string(np.datetime64("2012-01-01") + days, unit="D")


def apply_effects(rng, y0, treated, bal_mult, bal_add, fund_p, login_rate, bal_add_mean=None):
    """(Y, expected): Y under the customer's own arm, i.e. Y0 plus the effect in the campaign
    months for `treated`; expected[metric] = per customer E[mean window Y1 - Y0 | Y0, dimensions]
    (0 when not treated). bal_mult, bal_add, fund_p, login_rate: per-customer arrays or scalars;
    bal_add_mean: the expectation of a random bal_add (default bal_add)."""
    n = len(treated)
    y = {k: v.copy() for k, v in y0.items()}
    w = slice(PRE, None)
    bal_mult, bal_add = np.broadcast_to(bal_mult, n), np.broadcast_to(bal_add, n)
    fund_p, login_rate = np.broadcast_to(fund_p, n), np.broadcast_to(login_rate, n)
    b = y0["balance"][treated, w]
    y["balance"][treated, w] = np.round(b * bal_mult[treated, None] + bal_add[treated, None], 2)
    extra_fund = rng.random(n) < fund_p
    y["fund_holdings"][treated, w] += extra_fund[treated, None]
    y["mobile_logins"][treated, w] += rng.poisson(np.broadcast_to(login_rate[treated, None], (treated.sum(), WINDOW)))
    add_mean = bal_add if bal_add_mean is None else np.broadcast_to(bal_add_mean, n)
    expected = {"balance": (y0["balance"][:, w] * (bal_mult[:, None] - 1)).mean(axis=1) + add_mean,
                "fund_holdings": fund_p.astype(float), "mobile_logins": login_rate.astype(float)}
    return y, {k: np.where(treated, v, 0.0) for k, v in expected.items()}


def gen_noisy_selection(rng, n):
    e, y0 = engagement_bank(rng, n)
    pscore = expit(calibrate(1.2 * e, 0.18) + 1.2 * e)
    part = rng.random(n) < pscore
    arms = np.where(part, "participant", "non_participant")
    dims = {"channel": rng.choice(["app", "branch", "wechat_mini"], n, p=[0.5, 0.3, 0.2]),
            "city_tier": rng.choice(["tier1", "tier2", "tier3plus"], n, p=[0.25, 0.35, 0.40])}
    y, expected = apply_effects(rng, y0, part, 1.03, 800.0, 0.05, 1.0)
    return dict(dims=dims, arms=arms, y0=y0, y=y, expected=expected, control="non_participant", pscore=pscore)


def gen_observed_selection(rng, n):
    _, y0 = engagement_bank(rng, n)

    def z(x):
        return (x - x.mean()) / x.std()

    pre3 = {k: v[:, PRE - 3:PRE].mean(axis=1) for k, v in y0.items()}
    lp = 0.8 * z(np.log1p(pre3["balance"])) + 0.6 * z(np.log1p(pre3["mobile_logins"])) + 0.3 * z(pre3["fund_holdings"])
    pscore = expit(calibrate(lp, 0.18) + lp)
    part = rng.random(n) < pscore
    arms = np.where(part, "participant", "non_participant")
    dims = {"channel": rng.choice(["app", "branch", "wechat_mini"], n, p=[0.5, 0.3, 0.2]),
            "city_tier": rng.choice(["tier1", "tier2", "tier3plus"], n, p=[0.25, 0.35, 0.40])}
    y, expected = apply_effects(rng, y0, part, 1.03, 800.0, 0.05, 1.0)
    return dict(dims=dims, arms=arms, y0=y0, y=y, expected=expected, control="non_participant", pscore=pscore)


def gen_dimension_selection(rng, n):
    t = np.arange(len(MONTHS))
    age = np.clip(np.round(rng.normal(42, 13, n)), 18, 85).astype(np.int64)
    z_inc = rng.standard_normal(n)
    income = np.round(90_000 * np.exp(0.6 * z_inc), -2)
    province = rng.choice(PROVINCES, n, p=PROVINCE_SHARE)
    z_age = (age - 42) / 13
    z = rng.standard_normal(n)
    level = np.exp(np.log(18_000) + 0.5 * z_inc + 0.25 * z_age + np.sqrt(1.5**2 - 0.5**2 - 0.25**2) * z)
    u = ar1(rng, n, 0.7)
    balance = np.round(level[:, None] * np.exp(0.3 * u - 0.045) * 1.003**t, 2)
    tier, pre3 = pre3_tier(balance)
    h = rng.poisson(np.exp(-1.0 + 0.35 * np.log10(level / 1000) + 0.2 * z_inc))
    funds = h[:, None] + rng.poisson(0.2 * np.exp(0.5 * u - 0.125))
    zero = rng.random((n, len(MONTHS))) < np.where(age > 60, 0.5, 0.3)[:, None]
    mu = np.exp(0.9 - 0.015 * (age - 42)[:, None] + 0.2 * z_inc[:, None] + 0.4 * u - 0.08) * season()
    logins = np.where(zero, 0, negbin(rng, mu, 1.2))
    y0 = {"balance": balance, "fund_holdings": funds, "mobile_logins": logins}
    lb = np.log1p(pre3)
    tier_idx = np.select([tier == x for x in TIERS], range(len(TIERS)))
    lp = (TIER_COEF[tier_idx] + np.vectorize(PROVINCE_COEF.get)(province) - 0.025 * (age - 42)
          + 0.3 * z_inc + 0.35 * (lb - lb.mean()))
    pscore = expit(calibrate(lp, 0.20) + lp)
    part = rng.random(n) < pscore
    m = np.where(tier == "silver", 3.0, 1.0)
    y, expected = apply_effects(rng, y0, part, 1.0, m * 1500 * rng.gamma(2.0, 0.5, n), 0.04 * m, 0.5 * m, m * 1500)
    dims = {"tier": tier, "province": province, "age": age, "income": income}
    return dict(dims=dims, arms=np.where(part, "participant", "non_participant"), y0=y0, y=y, expected=expected,
                control="non_participant", pscore=pscore)


def gen_randomized_3arm(rng, n):
    e, y0 = engagement_bank(rng, n)
    arms = np.array(["control", "variant_a", "variant_b"])[rng.permutation(np.arange(n) % 3)]
    dims = {"tier": pre3_tier(y0["balance"], (1_000, 10_000, 100_000))[0],
            "province": rng.choice(PROVINCES, n, p=PROVINCE_SHARE)}
    a, b = arms == "variant_a", arms == "variant_b"
    ya, ea = apply_effects(rng, y0, a, 1.02, 300.0, 0.03, 0.8)
    yb, eb = apply_effects(rng, y0, b, 1.0, 600.0, 0.06, 0.0)
    y = {k: np.where(b[:, None], yb[k], ya[k]) for k in y0}
    expected = {k: ea[k] + eb[k] for k in y0}
    return dict(dims=dims, arms=arms, y0=y0, y=y, expected=expected, control="control", pscore=np.full(n, 1 / 3))


def ratio(a, b):
    return float(a / b) if b != 0 else None


def truth_of(dims, arms, y0, y, expected, control, **_):
    """Sample ATT per metric and treated arm over the campaign months ('mean' rollup)."""
    rows = []
    for arm in sorted(set(arms) - {control}):
        sel = arms == arm
        for metric in METRICS:
            y0w = y0[metric][sel, PRE:].mean(axis=1)
            d, ex = y[metric][sel, PRE:].mean(axis=1) - y0w, expected[metric][sel]
            row = {"metric": metric, "arm": arm, "n_treated": int(sel.sum()), "att": float(d.mean()),
                   "att_expected": float(ex.mean()),
                   "counterfactual_mean": float(y0w.mean()), "treated_mean": float((y0w + d).mean()),
                   "relative": ratio(d.mean(), y0w.mean()), "by": {}}
            for dim, values in dims.items():
                if values.dtype.kind not in "UO":
                    continue
                v = values[sel]
                row["by"][dim] = {str(level): {"n": int((v == level).sum()), "att": float(d[v == level].mean()),
                                               "att_expected": float(ex[v == level].mean()),
                                               "counterfactual_mean": float(y0w[v == level].mean()),
                                               "relative": ratio(d[v == level].mean(), y0w[v == level].mean())}
                                  for level in sorted(set(v))}
            rows.append(row)
    return rows


def timestamps(rng, month_idx, day_lo=None):
    """Random local times within MONTHS[month_idx] as 'YYYY-MM-DDTHH:MM:SS+08:00'."""
    starts = np.array([np.datetime64(m + "-01T00:00:00") for m in MONTHS + ["2025-10"]])
    lo = starts[month_idx]
    span = (starts[month_idx + 1] - lo).astype(np.int64)
    t = lo + (rng.random(len(month_idx)) * span).astype(np.int64)
    return [s + "+08:00" for s in np.datetime_as_string(t, unit="s").tolist()]


def make_events(rng, ids, arms, y, control, campaign_id, randomized, assigned):
    """Rows (customer_id, event, occurred_at, value, campaign_id)."""
    n = len(ids)
    events = []
    # open_app: one per login in the 3 months before the start and the campaign months.
    months = np.arange(PRE - 3, len(MONTHS))
    counts = y["mobile_logins"][:, months]
    cust = np.repeat(np.repeat(np.arange(n), len(months)), counts.ravel())
    mon = np.repeat(np.tile(months, n), counts.ravel())
    events.append((ids[cust], "open_app", timestamps(rng, mon), None, None))
    # view_offer / join: the campaign's funnel.
    treated = arms != control
    if randomized:
        views = np.ones(n, dtype=bool)
        events.append((ids[views], "view_offer", assigned[views], None, campaign_id))
        joined = rng.random(n) < np.where(treated, 0.25, 0.10)
    else:
        views = treated | (rng.random(n) < 0.15)
        events.append((ids[views], "view_offer", timestamps(rng, np.full(views.sum(), PRE)), None, campaign_id))
        joined = treated
    events.append((ids[joined], "join", assigned[joined], None, campaign_id))
    # buy_fund: campaign months whose holdings rose.
    rise = np.diff(y["fund_holdings"][:, PRE - 1:], axis=1) > 0
    c, m = np.nonzero(rise)
    amounts = np.round(rng.lognormal(np.log(5000), 1.0, len(c)), 2)
    events.append((ids[c], "buy_fund", timestamps(rng, m + PRE), amounts, None))
    rows = []
    for cid, name, at, value, camp in events:
        k = len(cid)
        vals = value.tolist() if value is not None else [None] * k
        rows.extend(zip(cid.tolist(), [name] * k, at if isinstance(at, list) else list(at), vals, [camp] * k))
    return rows


def write_sqlite(path, dims, ids, opened, arms, y, control, campaign, events, assigned):
    cid, name, design = campaign
    tmp = path + ".part"
    if os.path.exists(tmp):
        os.remove(tmp)
    db = sqlite3.connect(tmp)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    types = {k: {"i": "INTEGER", "f": "REAL"}.get(v.dtype.kind, "TEXT") for k, v in dims.items()}
    db.execute("CREATE TABLE customers (customer_id TEXT PRIMARY KEY, opened_on TEXT NOT NULL"
               + "".join(f", {k} {t}" for k, t in types.items()) + ")")
    db.executemany(f"INSERT INTO customers VALUES ({', '.join('?' * (2 + len(dims)))})",
                   zip(ids.tolist(), opened.tolist(), *[v.tolist() for v in dims.values()]))
    db.execute("CREATE TABLE customer_months (customer_id TEXT NOT NULL, month TEXT NOT NULL, balance REAL,"
               " fund_holdings INTEGER, mobile_logins INTEGER, PRIMARY KEY (customer_id, month))")
    n, t = y["balance"].shape
    db.executemany("INSERT INTO customer_months VALUES (?, ?, ?, ?, ?)",
                   zip(np.repeat(ids, t).tolist(), MONTHS * n, y["balance"].ravel().tolist(),
                       y["fund_holdings"].ravel().tolist(), y["mobile_logins"].ravel().tolist()))
    db.execute("CREATE TABLE events (customer_id TEXT NOT NULL, event TEXT NOT NULL, occurred_at TEXT NOT NULL,"
               " value REAL, campaign_id TEXT)")
    db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", events)
    db.execute("CREATE INDEX events_by_event ON events (event, occurred_at)")
    db.execute("CREATE TABLE campaigns (campaign_id TEXT PRIMARY KEY, name TEXT NOT NULL, design TEXT NOT NULL,"
               " starts_on TEXT NOT NULL, ends_on TEXT NOT NULL, control_arm TEXT NOT NULL)")
    db.execute("INSERT INTO campaigns VALUES (?, ?, ?, ?, ?, ?)", (cid, name, design, STARTS_ON, ENDS_ON, control))
    db.execute("CREATE TABLE assignments (campaign_id TEXT NOT NULL, customer_id TEXT NOT NULL, arm TEXT NOT NULL,"
               " assigned_at TEXT NOT NULL, PRIMARY KEY (campaign_id, customer_id))")
    db.executemany("INSERT INTO assignments VALUES (?, ?, ?, ?)",
                   zip([cid] * n, ids.tolist(), arms.tolist(), assigned))
    db.execute("CREATE TABLE metric_definitions (metric TEXT PRIMARY KEY, label TEXT, unit TEXT, source TEXT,"
               " rollup TEXT, event TEXT, numerator TEXT, denominator TEXT, higher_is_better INTEGER)")
    db.executemany("INSERT INTO metric_definitions VALUES (?, ?, ?, 'months', 'mean', NULL, NULL, NULL, ?)",
                   METRIC_DEFS)
    db.commit()
    db.close()
    os.replace(tmp, path)


def simulate_bank(mechanism, seed, customers):
    """In memory: (rng, bank) with bank = dict(dims, arms, y0, y, expected, control, pscore:
    the true probability of each customer's treatment). generate() goes on drawing from rng."""
    rng = np.random.default_rng([seed, MECHANISMS.index(mechanism)])
    return rng, globals()["gen_" + mechanism](rng, customers)


def generate(mechanism, seed, customers, out, truth_path=None):
    """Writes the database `out` (replacing it) and returns the truth dictionary."""
    if mechanism not in MECHANISMS:
        raise UsageError(f"unknown mechanism {mechanism!r}; choose one of {', '.join(MECHANISMS)}")
    if customers < 30:
        raise UsageError("--customers must be at least 30")
    rng, bank = simulate_bank(mechanism, seed, customers)
    dims, arms, y, control = bank["dims"], bank["arms"], bank["y"], bank["control"]
    campaign = CAMPAIGNS[mechanism]
    width = max(6, len(str(customers)))
    ids = np.array([f"C{i:0{width}d}" for i in range(1, customers + 1)])
    opened = opened_on(rng, customers)
    randomized = campaign[2] == "randomized"
    treated = arms != control
    # Observational: participants join during the first 30 days, non-participants are
    # assigned at the start. Randomized: every arm at its first visit on the first day.
    seconds = rng.random(customers) * (86400 if randomized else 30 * 86400)
    if not randomized:
        seconds[~treated] = 0
    assigned = np.datetime64(STARTS_ON + "T00:00:00") + seconds.astype(np.int64)
    assigned = [s + "+08:00" for s in np.datetime_as_string(assigned, unit="s").tolist()]
    events = make_events(rng, ids, arms, y, control, campaign[0], randomized, np.array(assigned))
    write_sqlite(out, dims, ids, opened, arms, y, control, campaign, events, assigned)
    truth = {"mechanism": mechanism, "seed": seed, "customers": customers, "campaign_id": campaign[0],
             "design": campaign[2], "control_arm": control, "treated_arms": sorted(set(arms) - {control}),
             "metrics": list(METRICS), "window": [MONTHS[PRE], MONTHS[-1]],
             "truth": truth_of(**bank)}
    if truth_path:
        with open(truth_path, "w") as f:
            json.dump(truth, f, indent=1)
    return truth


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mechanism", required=True, choices=MECHANISMS)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--customers", type=int, default=20_000)
    p.add_argument("--out", required=True, help="SQLite file to write (replaced if it exists)")
    p.add_argument("--truth", help="JSON file for the true effects")
    a = p.parse_args(argv)
    started = time.perf_counter()
    try:
        truth = generate(a.mechanism, a.seed, a.customers, a.out, a.truth)
    except (UsageError, OSError, sqlite3.Error) as error:
        sys.exit(f"foreign_bank.py: {error}")
    print(f"{a.out}: {a.mechanism}, campaign {truth['campaign_id']}, {a.customers:,} customers, "
          f"{time.perf_counter() - started:.1f}s", file=sys.stderr)
    for r in truth["truth"]:
        print(f"  {r['metric']:<14} {r['arm']:<12} ATT {r['att']:12.4f}  Y0 mean {r['counterfactual_mean']:12.4f}"
              f"  relative {r['relative']:+.4f}", file=sys.stderr)


if __name__ == "__main__":
    main()
