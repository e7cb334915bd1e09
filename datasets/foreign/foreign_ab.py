#!/usr/bin/env python3
"""foreign_ab.py — a randomized checkout-copy test at a bank CampaignLab did not make.

What it models
--------------
A retail bank in India (events logged in IST, '+05:30') runs the randomized test
'checkout_copy_q3': 21 days (2026-08-03 .. 2026-08-23), control arm 'holdout' and two
variants 'bold_copy' and 'new_copy', planned split 50/25/25 (control first, then the
variants by name: holdout, bold_copy, new_copy). A customer enters the test at their first
'visit' in the first 10 days of the test (bank days, IST); the arm is drawn independently
per customer with the planned shares. Every customer has persistent latent rates (visit
rate, tap propensity, order rate, order size, complaint frailty, sign-in rate, balance), so
the 21-day pre-period predicts the test period and CUPED has something to use.

  * new_copy: order rate x1.25 after assignment, tap log-odds per visit +0.25.
  * bold_copy: tap log-odds per visit +0.55, complaint rate x2.5 (a harmful guardrail),
    orders unchanged.
  * visits, balance and logins: no effect in any arm.

The true effects go into a table `truth`, computed from the model's expectations given
each assigned customer's latent rates and assigned_at (not from the sampled events).

How it differs from CampaignLab's own demo bank (on purpose)
------------------------------------------------------------
  * customer ids are TEXT ('K-00042'), not integers;
  * events carry an explicit '+05:30' offset (reporting zone of the tool: UTC+08:00 by
    default), assignments are written in UTC with 'Z': calendar days shift across
    midnight depending on the zone, and the tool's window end T1 (ends_on+1 00:00 +08:00)
    is 21:30 IST on the last day, 2.5 h before the bank's own end of the test;
  * its own event names: visit, tap, order, signin, complaint;
  * order values are heavy-tailed (lognormal body + Pareto tail, alpha 1.5: a handful of orders
    above 1 lakh INR), a few orders have NULL value;
  * an unequal planned split (50/25/25) with three arms;
  * who enters the test is selected by activity (first visit), so active customers enter
    earlier and the per-day mix of customers changes;
  * another campaign ('other_promo', observational) runs at the same time: its events use
    the same event names but carry campaign_id 'other_promo' and must not count in the
    test's readout;
  * the assignment visit happens at exactly assigned_at (same second, different zone
    notation): a post window that starts with '>' instead of '>=' loses it;
  * 5 customers have events tagged with the test but no assignment;
  * a few NULL cities, NULL balances, missing customer-month rows.

Option --broken-split DAY drops 60 % of the 'new_copy' assignments made on day DAY of the
test (day 1 = starts_on; the day is a calendar day of the reporting zone UTC+08:00, as the
tool's per-day sample-ratio check groups them). The dropped customers keep their events
(still tagged with the test: the page was served, only the assignment log was lost), so
they also show up as "exposed without assignment". Everything else is identical to the
file made without the option from the same seed.

Tables: the six contract tables (customers: 6000 with TEXT ids; customer_months
2026-05..2026-10 with balance in INR and logins; events 2026-07-12..2026-08-24 IST, i.e. the
21-day pre-period, the test and one day after; campaigns; assignments; metric_definitions)
plus `truth` (an extra table the tool should ignore): per metric and variant the true
absolute and relative effect, the control mean, and the planned/actual/dropped assignment
counts. About 6 MB with the defaults (customer_months alone is ~2 MB); --customers scales it.

Usage:
    python3 foreign_ab.py --seed 11 --out ../foreign-ab.sqlite
    python3 foreign_ab.py --seed 11 --broken-split 4 --out ../foreign-ab-broken.sqlite
Requires numpy; the file is written with the standard sqlite3 module.
"""

import argparse
import datetime as dt
import os
import sqlite3
import sys

import numpy as np

TEST = "checkout_copy_q3"
PROMO = "other_promo"
ARMS = ["holdout", "bold_copy", "new_copy"]  # control first, then variants by name
PLANNED = np.array([0.50, 0.25, 0.25])

IST = 5 * 3600 + 1800  # the bank's zone, +05:30
REPORT = 8 * 3600  # the tool's default reporting zone, +08:00

TEST_START = dt.date(2026, 8, 3)
TEST_END = dt.date(2026, 8, 23)  # 21 days
ENTRY_DAYS = 10
PROMO_START = dt.date(2026, 7, 20)
PROMO_END = dt.date(2026, 8, 16)
EVENTS_FROM = dt.date(2026, 7, 12)  # IST, first day with events
EVENTS_TO = dt.date(2026, 8, 24)  # IST, last day with events
MONTHS = ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]

# Effects (multipliers on rates, shifts on log-odds), per arm in ARMS order.
ORDER_MULT = np.array([1.0, 1.0, 1.25])
TAP_SHIFT = np.array([0.0, 0.55, 0.25])
COMPLAINT_MULT = np.array([1.0, 2.5, 1.0])

# Order value: per-customer scale s (mean 1) times V; V ~ lognormal body or Pareto tail.
VALUE_TAIL_P = 0.05
VALUE_LN_MU, VALUE_LN_SIGMA = np.log(1200.0), 0.85
VALUE_PARETO_XM, VALUE_PARETO_ALPHA = 6000.0, 1.5
VALUE_NULL_P = 0.005
MEAN_V = (1 - VALUE_TAIL_P) * np.exp(VALUE_LN_MU + VALUE_LN_SIGMA**2 / 2) + VALUE_TAIL_P * (
    VALUE_PARETO_ALPHA * VALUE_PARETO_XM / (VALUE_PARETO_ALPHA - 1)
)

BROKEN_DROP = 0.60

CITIES = ["Mumbai", "Delhi", "Bengaluru", "Chennai", "Hyderabad", "Pune", "Kolkata",
          "Ahmedabad", "Jaipur", "Lucknow", "Kochi", "Indore"]
CITY_W = np.array([18, 17, 15, 9, 9, 8, 7, 5, 4, 3, 3, 2], dtype=float)


def days(d):
    return (d - dt.date(1970, 1, 1)).days


def ist_midnight(d):
    """Epoch seconds of 00:00 IST on date d."""
    return days(d) * 86400 - IST


def report_midnight(d):
    """Epoch seconds of 00:00 UTC+08:00 on date d."""
    return days(d) * 86400 - REPORT


def fmt(epoch, offset, suffix):
    s = np.datetime_as_string((np.asarray(epoch, dtype=np.int64) + offset).astype("datetime64[s]"), unit="s")
    return np.char.add(s.astype(str), suffix)


def fmt_ist(epoch):
    return fmt(epoch, IST, "+05:30")


def fmt_utc(epoch):
    return fmt(epoch, 0, "Z")


def expit(x):
    return 1.0 / (1.0 + np.exp(-x))


class Intensity:
    """Common intensity over the events span: hourly (IST) piecewise-constant weights with an
    hour-of-day profile, a weekend lift and a payday lift on the 1st, normalized to a mean of
    1 per day. A process with rate r (per day) has r * (G(b) - G(a)) expected events in [a, b)."""

    HOUR = np.array([0.25, 0.15, 0.10, 0.08, 0.08, 0.12, 0.30, 0.60, 0.90, 1.10, 1.20, 1.30,
                     1.45, 1.40, 1.20, 1.10, 1.10, 1.20, 1.40, 1.60, 1.80, 1.90, 1.50, 0.80])

    def __init__(self, first_day, last_day):
        self.start = ist_midnight(first_day)
        ndays = (last_day - first_day).days + 1
        self.end = self.start + ndays * 86400
        w = []
        for k in range(ndays):
            d = first_day + dt.timedelta(days=k)
            m = (1.2 if d.weekday() >= 5 else 1.0) * (1.3 if d.day == 1 else 1.0)
            w.append(self.HOUR * m)
        w = np.concatenate(w)
        self.w = w / (w.sum() / ndays)  # per hour; a mean day sums to 1
        self.C = np.concatenate([[0.0], np.cumsum(self.w)])
        self.K = len(self.w)

    def G(self, t):
        x = (np.asarray(t, dtype=float) - self.start) / 3600.0
        x = np.clip(x, 0.0, self.K)
        k = np.minimum(np.floor(x).astype(np.int64), self.K - 1)
        return self.C[k] + self.w[k] * (x - k)

    def Ginv(self, u):
        k = np.clip(np.searchsorted(self.C, u, side="right") - 1, 0, self.K - 1)
        return self.start + 3600.0 * (k + (u - self.C[k]) / self.w[k])

    def process(self, rng, rate, a, b):
        """Inhomogeneous Poisson events for many customers at once: customer i with rate
        rate[i] over [a[i], b[i]). Returns (customer index, real event time)."""
        rate = np.asarray(rate, dtype=float)
        a = np.broadcast_to(np.asarray(a, dtype=float), rate.shape)
        b = np.broadcast_to(np.asarray(b, dtype=float), rate.shape)
        ga, gb = self.G(a), self.G(b)
        span = np.maximum(gb - ga, 0.0)
        n = rng.poisson(rate * span)
        idx = np.repeat(np.arange(len(rate)), n)
        u = ga[idx] + rng.random(len(idx)) * span[idx]
        t = self.Ginv(u)
        t = np.minimum(np.maximum(t, a[idx]), np.nextafter(b[idx], -np.inf))
        return idx, t


SCHEMA = """
CREATE TABLE customers(customer_id TEXT PRIMARY KEY, opened_on TEXT NOT NULL, tier TEXT, city TEXT, age INTEGER);
CREATE TABLE customer_months(customer_id TEXT NOT NULL, month TEXT NOT NULL, balance REAL, logins INTEGER,
    PRIMARY KEY(customer_id, month));
CREATE TABLE events(customer_id TEXT NOT NULL, event TEXT NOT NULL, occurred_at TEXT NOT NULL, value REAL, campaign_id TEXT);
CREATE TABLE campaigns(campaign_id TEXT PRIMARY KEY, name TEXT NOT NULL, design TEXT NOT NULL, starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL, control_arm TEXT NOT NULL);
CREATE TABLE assignments(campaign_id TEXT NOT NULL, customer_id TEXT NOT NULL, arm TEXT NOT NULL, assigned_at TEXT NOT NULL,
    PRIMARY KEY(campaign_id, customer_id));
CREATE TABLE metric_definitions(metric TEXT PRIMARY KEY, label TEXT, unit TEXT, source TEXT, rollup TEXT, event TEXT,
    numerator TEXT, denominator TEXT, higher_is_better INTEGER);
CREATE TABLE truth(campaign_id TEXT NOT NULL, metric TEXT NOT NULL, arm TEXT NOT NULL, estimand TEXT NOT NULL,
    value REAL, definition TEXT NOT NULL, PRIMARY KEY(campaign_id, metric, arm, estimand));
"""

METRICS = [
    # metric, label, unit, source, rollup, event, numerator, denominator, higher_is_better
    ("order_rate", "Ordered at least once", None, "events", "any", "order", None, None, 1),
    ("order_value", "Order value", "INR", "events", "sum", "order", None, None, 1),
    ("taps", "Checkout taps", "taps", "events", "count", "tap", None, None, 1),
    ("visits", "Checkout visits", "visits", "events", "count", "visit", None, None, 1),
    ("tap_rate", "Taps per visit", None, None, None, None, "taps", "visits", 1),
    ("complaints", "Complaints", "complaints", "events", "count", "complaint", None, None, 0),
    ("balance", "Average balance", "INR", "months", "mean", None, None, None, 1),
]


def generate(seed, n_customers, broken_day):
    ss = np.random.SeedSequence(seed)
    (r_cust, r_visit, r_arm, r_tap, r_order, r_value, r_compl, r_sign, r_month, r_promo,
     r_stray, r_broken) = [np.random.default_rng(s) for s in ss.spawn(12)]
    n = n_customers
    inten = Intensity(EVENTS_FROM, EVENTS_TO)
    S, E = inten.start, inten.end

    # ---------------- customers and their persistent latent traits
    nums = np.sort(r_cust.choice(np.arange(1, 100000), size=n, replace=False))
    ids = np.array([f"K-{k:05d}" for k in nums])
    z = r_cust.standard_normal(n)  # activity
    wealth = 0.35 * z + np.sqrt(1 - 0.35**2) * r_cust.standard_normal(n)
    tap_u = r_cust.standard_normal(n)
    order_u = r_cust.standard_normal(n)
    size_u = 0.5 * wealth + np.sqrt(0.75) * r_cust.standard_normal(n)
    frailty = r_cust.gamma(0.5, 2.0, size=n)  # mean 1, heavy
    # account age: mostly years; ~3 % opened May-July 2026 (fewer month rows, short pre-period)
    recent = r_cust.random(n) < 0.03
    age_days = np.where(recent, r_cust.integers(3, 92, size=n),
                        np.minimum(r_cust.exponential(5.5 * 365, size=n).astype(int) + 92, 21 * 365))
    opened = np.array([dt.date(2026, 8, 1) - dt.timedelta(days=int(x)) for x in age_days])
    open_epoch = np.array([ist_midnight(d) for d in opened], dtype=float)
    age = np.clip(np.round(38 + 9 * wealth + 10 * r_cust.standard_normal(n)), 21, 78).astype(int)
    city = r_cust.choice(CITIES, size=n, p=CITY_W / CITY_W.sum()).astype(object)
    city[r_cust.random(n) < 0.015] = None

    rate_visit = 0.145 * np.exp(0.6 * z - 0.6**2 / 2)  # per day
    eta_tap = np.log(0.22 / 0.78) + 1.1 * tap_u  # log-odds of a tap per visit
    rate_order = 0.016 * np.exp(0.5 * z + 0.9 * order_u - (0.5**2 + 0.9**2) / 2)
    scale_value = np.exp(0.6 * size_u - 0.18)
    rate_compl = 0.0012 * frailty * np.exp(0.3 * z - 0.045)
    rate_sign = 0.015 * np.exp(0.8 * z - 0.32)
    start = np.maximum(open_epoch, S)

    # ---------------- visits; entry = first visit in the first ENTRY_DAYS bank days
    v_idx, v_t = inten.process(r_visit, rate_visit, start, E)
    order_ = np.lexsort((v_t, v_idx))
    v_idx, v_t = v_idx[order_], v_t[order_]
    te0 = ist_midnight(TEST_START)
    te1 = ist_midnight(TEST_START + dt.timedelta(days=ENTRY_DAYS))
    bank_end = ist_midnight(TEST_END + dt.timedelta(days=1))
    T0 = report_midnight(TEST_START)
    T1 = report_midnight(TEST_END + dt.timedelta(days=1))
    in_entry = (v_t >= te0) & (v_t < te1)
    first_t = np.full(n, np.inf)
    np.minimum.at(first_t, v_idx[in_entry], v_t[in_entry])
    entrant = np.isfinite(first_t)
    assigned = np.where(entrant, np.floor(np.where(entrant, first_t, 0)), np.nan)
    arm = np.full(n, -1)
    arm[entrant] = r_arm.choice(3, size=entrant.sum(), p=PLANNED)

    def treated_at(idx, t):
        return entrant[idx] & (t >= first_t[idx]) & (t < bank_end)

    # ---------------- taps: one chance per visit, a few seconds after it
    v_tr = treated_at(v_idx, v_t)
    p_tap = expit(eta_tap[v_idx] + np.where(v_tr, TAP_SHIFT[np.maximum(arm[v_idx], 0)], 0.0))
    tapped = r_tap.random(len(v_idx)) < p_tap
    TAP_DELAYS = np.arange(5, 91)
    tap_delay = r_tap.choice(TAP_DELAYS, size=tapped.sum())
    t_idx = v_idx[tapped]
    t_t = np.floor(v_t[tapped]) + tap_delay
    t_tag = v_tr[tapped]

    # ---------------- piecewise processes with a treatment multiplier after assignment
    def piecewise(rng, rate, mult):
        a = np.where(entrant, assigned, E)
        b = np.where(entrant, bank_end, E)
        m = np.where(entrant, mult[np.maximum(arm, 0)], 1.0)
        parts = [inten.process(rng, rate, start, np.maximum(a, start)),
                 inten.process(rng, rate * m, a, b),
                 inten.process(rng, rate, b, E)]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    o_idx, o_t = piecewise(r_order, rate_order, ORDER_MULT)
    tail = r_value.random(len(o_idx)) < VALUE_TAIL_P
    v_body = np.exp(VALUE_LN_MU + VALUE_LN_SIGMA * r_value.standard_normal(len(o_idx)))
    v_tail = (r_value.pareto(VALUE_PARETO_ALPHA, size=len(o_idx)) + 1.0) * VALUE_PARETO_XM
    o_val = np.round(scale_value[o_idx] * np.where(tail, v_tail, v_body), 2).astype(object)
    o_val[r_value.random(len(o_idx)) < VALUE_NULL_P] = None

    c_idx, c_t = piecewise(r_compl, rate_compl, COMPLAINT_MULT)
    c_tag = entrant[c_idx] & (c_t >= assigned[c_idx]) & (c_t < bank_end)
    s_idx, s_t = inten.process(r_sign, rate_sign, start, E)

    # ---------------- the other campaign: observational, selected by activity
    p_start, p_end = ist_midnight(PROMO_START), ist_midnight(PROMO_END + dt.timedelta(days=1))
    eligible = np.flatnonzero(opened < PROMO_START)
    pop = np.sort(r_promo.choice(eligible, size=min(1600, len(eligible)), replace=False))
    part = r_promo.random(len(pop)) < expit(-1.2 + 0.9 * z[pop])
    enroll = np.where(part, p_start + np.floor(r_promo.random(len(pop)) * 14 * 86400), p_start)
    pp = pop[part]
    pv_i, pv_t = inten.process(r_promo, 0.08 * np.exp(0.5 * z[pp]), enroll[part], p_end)
    pt_keep = r_promo.random(len(pv_i)) < 0.45
    pt_i, pt_t = pv_i[pt_keep], np.floor(pv_t[pt_keep]) + r_promo.integers(5, 91, size=pt_keep.sum())
    po_i, po_t = inten.process(r_promo, np.full(len(pp), 0.006), enroll[part], p_end)
    po_val = np.round(scale_value[pp[po_i]] * np.exp(VALUE_LN_MU + VALUE_LN_SIGMA * r_promo.standard_normal(len(po_i))), 2)

    # ---------------- 5 customers with test events but no assignment
    strays = np.sort(r_stray.choice(np.flatnonzero(~entrant), size=5, replace=False))
    st_i = np.repeat(strays, r_stray.integers(1, 4, size=5))
    st_t = np.floor(r_stray.uniform(te0 + 86400, bank_end - 86400, size=len(st_i)))
    st_tap = r_stray.random(len(st_i)) < 0.5

    # ---------------- broken split: a logging outage on one reporting day
    dropped = np.zeros(n, dtype=bool)
    if broken_day is not None:
        d0 = report_midnight(TEST_START + dt.timedelta(days=broken_day - 1))
        cand = entrant & (arm == 2) & (np.nan_to_num(assigned, nan=-1) >= d0) & (np.nan_to_num(assigned, nan=-1) < d0 + 86400)
        dropped = cand & (r_broken.random(n) < BROKEN_DROP)
    in_file = entrant & ~dropped

    # ---------------- events table rows
    ev_cust = np.concatenate([v_idx, t_idx, o_idx, c_idx, s_idx, pp[pv_i], pp[pt_i], pp[po_i], st_i, st_i[st_tap]])
    ev_name = np.concatenate([
        np.full(len(v_idx), "visit"), np.full(len(t_idx), "tap"), np.full(len(o_idx), "order"),
        np.full(len(c_idx), "complaint"), np.full(len(s_idx), "signin"), np.full(len(pv_i), "visit"),
        np.full(len(pt_i), "tap"), np.full(len(po_i), "order"), np.full(len(st_i), "visit"),
        np.full(st_tap.sum(), "tap")])
    ev_t = np.concatenate([np.floor(v_t), t_t, np.floor(o_t), np.floor(c_t), np.floor(s_t), np.floor(pv_t), pt_t,
                           np.floor(po_t), st_t, st_t[st_tap] + 30]).astype(np.int64)
    ev_val = np.concatenate([np.full(len(v_idx) + len(t_idx), None, dtype=object), o_val,
                             np.full(len(c_idx) + len(s_idx) + len(pv_i) + len(pt_i), None, dtype=object),
                             po_val.astype(object), np.full(len(st_i) + st_tap.sum(), None, dtype=object)])
    ev_camp = np.concatenate([
        np.where(treated_at(v_idx, v_t), TEST, None), np.where(t_tag, TEST, None), np.full(len(o_idx), None),
        np.where(c_tag, TEST, None), np.full(len(s_idx), None), np.full(len(pv_i) + len(pt_i) + len(po_i), PROMO),
        np.full(len(st_i) + st_tap.sum(), TEST)]).astype(object)
    # no events before the account was opened (opening day in IST)
    keep = ev_t >= open_epoch[ev_cust]
    o = np.lexsort((ev_cust, ev_t))
    o = o[keep[o]]
    ev_str = fmt_ist(ev_t[o])
    events = [(ids[c], e, s, v, k) for c, e, s, v, k in
              zip(ev_cust[o].tolist(), ev_name[o].tolist(), ev_str.tolist(), ev_val[o].tolist(), ev_camp[o].tolist())]

    # ---------------- customer_months
    month_rows = []
    logb = np.log(42000.0) + 1.35 * wealth
    ar = 0.12 * r_month.standard_normal(n)
    month_bal = {}
    for mi, m in enumerate(MONTHS):
        ar = 0.7 * ar + 0.12 * np.sqrt(1 - 0.49) * r_month.standard_normal(n)
        y, mo = int(m[:4]), int(m[5:])
        first = dt.date(y, mo, 1)
        nxt = dt.date(y + (mo == 12), mo % 12 + 1, 1)
        ndays = (nxt - first).days
        open_days = np.array([(nxt - max(first, d)).days for d in opened])
        exists = open_days > 0
        bal = np.exp(logb + ar + 0.004 * mi) * np.clip(open_days / ndays, 0, 1)
        month_bal[m] = np.where(exists, bal, np.nan)
        logins = r_month.poisson(10.0 * rate_sign * np.clip(open_days, 0, ndays) + 1.0)
        missing = r_month.random(n) < 0.005
        null_bal = r_month.random(n) < 0.003
        null_log = r_month.random(n) < 0.002
        for i in np.flatnonzero(exists & ~(missing & (open_days >= ndays))):
            month_rows.append((ids[i], m, None if null_bal[i] else round(float(bal[i]), 2),
                               None if null_log[i] else int(logins[i])))
    month_rows.sort()

    ref = np.nanmean(np.vstack([month_bal["2026-06"], month_bal["2026-07"]]), axis=0)
    tier = np.where(ref >= 5e6, "Wealth", np.where(ref >= 1e6, "Privilege", np.where(ref >= 1e5, "Preferred", "Classic")))
    customers = [(ids[i], opened[i].isoformat(), str(tier[i]), city[i], int(age[i])) for i in range(n)]

    # ---------------- campaigns and assignments
    campaigns = [
        (TEST, "Checkout page copy test, Q3", "randomized", TEST_START.isoformat(), TEST_END.isoformat(), "holdout"),
        (PROMO, "Monsoon cashback promo", "observational", PROMO_START.isoformat(), PROMO_END.isoformat(),
         "non_participant"),
    ]
    ai = np.flatnonzero(in_file)
    assignments = list(zip([TEST] * len(ai), ids[ai].tolist(), [ARMS[k] for k in arm[ai]],
                           fmt_utc(assigned[ai].astype(np.int64)).tolist()))
    assignments += list(zip([PROMO] * len(pop), ids[pop].tolist(),
                            np.where(part, "participant", "non_participant").tolist(),
                            fmt_utc(enroll.astype(np.int64)).tolist()))

    # ---------------- truth: expectations given latent rates and assigned_at
    Sx = ai
    G = inten.G
    g_post = G(np.full(len(Sx), float(T1))) - G(assigned[Sx])
    g_post_v = G(np.full(len(Sx), float(T1))) - G(first_t[Sx])
    # taps: trigger visit always taps inside the window; later visits only if visit + delay < T1
    g_post_tap = np.mean([G(np.full(len(Sx), float(T1 - d))) for d in TAP_DELAYS], axis=0) - G(first_t[Sx])
    mu = {}
    e_visits = 1.0 + rate_visit[Sx] * g_post_v
    for k in range(3):
        p = expit(eta_tap[Sx] + TAP_SHIFT[k])
        lam_o = rate_order[Sx] * ORDER_MULT[k] * g_post
        mu[("visits", k)] = e_visits
        mu[("taps", k)] = p * (1.0 + rate_visit[Sx] * g_post_tap)
        mu[("order_rate", k)] = 1.0 - np.exp(-lam_o)
        mu[("order_value", k)] = lam_o * scale_value[Sx] * MEAN_V * (1 - VALUE_NULL_P)
        mu[("complaints", k)] = rate_compl[Sx] * COMPLAINT_MULT[k] * g_post
    window = (f"over [assigned_at, T1), T1 = {TEST_END + dt.timedelta(days=1)}T00:00:00+08:00 (the readout's window "
              f"in its default reporting zone; the bank's own test ends 2.5 h later, at 00:00 IST)")
    who = f"the {len(Sx)} customers assigned to {TEST} in this file"
    model = "expectations of the generator's model given each customer's latent rates and assigned_at, not the sampled data"
    descr = {"order_rate": "1 if at least one 'order' event", "order_value": "sum of 'order' values (NULL as 0)",
             "taps": "number of 'tap' events", "visits": "number of 'visit' events",
             "complaints": "number of 'complaint' events"}
    truth = []
    for metric in ["order_rate", "order_value", "taps", "visits", "complaints"]:
        c = mu[(metric, 0)]
        truth.append((TEST, metric, "holdout", "control_mean", float(c.mean()),
                      f"mean over {who} of E[{metric} | holdout]; {metric} = {descr[metric]} {window}; {model}"))
        for k in (1, 2):
            t = mu[(metric, k)]
            truth.append((TEST, metric, ARMS[k], "absolute", float((t - c).mean()),
                          f"mean over {who} of E[{metric} | {ARMS[k]}] − E[{metric} | holdout]; "
                          f"{metric} = {descr[metric]} {window}; {model}"))
            truth.append((TEST, metric, ARMS[k], "relative", float(t.sum() / c.sum() - 1),
                          f"(mean over {who} of E[{metric} | {ARMS[k]}]) / (mean of E[{metric} | holdout]) − 1; {model}"))
    rc = mu[("taps", 0)].sum() / mu[("visits", 0)].sum()
    truth.append((TEST, "tap_rate", "holdout", "control_mean", float(rc),
                  f"Σ E[taps | holdout] / Σ E[visits | holdout] over {who}, {window}; {model}"))
    for k in (1, 2):
        rt = mu[("taps", k)].sum() / mu[("visits", k)].sum()
        truth.append((TEST, "tap_rate", ARMS[k], "absolute", float(rt - rc),
                      f"Σ E[taps | {ARMS[k]}] / Σ E[visits | {ARMS[k]}] − Σ E[taps | holdout] / Σ E[visits | holdout], "
                      f"sums over {who}, {window}; {model}"))
        truth.append((TEST, "tap_rate", ARMS[k], "relative", float(rt / rc - 1),
                      f"(Σ E[taps | {ARMS[k]}] / Σ E[visits | {ARMS[k]}]) / (Σ E[taps | holdout] / Σ E[visits | holdout]) − 1, "
                      f"sums over {who}; {model}"))
    for metric, what in [("balance", "customer_months.balance, mean over the post months (2026-08)"),
                         ("logins", "customer_months.logins (no metric_definitions row: default months/mean), 2026-08")]:
        for k in (1, 2):
            for est in ("absolute", "relative"):
                truth.append((TEST, metric, ARMS[k], est, 0.0,
                              f"no effect by construction: {what} does not depend on the arm ({est} effect 0)"))
    for k in range(3):
        truth.append((TEST, "assignment", ARMS[k], "planned_share", float(PLANNED[k]),
                      "planned share of the arm (split option: 50,25,25, control first then variants by name)"))
        truth.append((TEST, "assignment", ARMS[k], "customers_in_file", float((arm[ai] == k).sum()),
                      "customers of the arm in the assignments table"))
        truth.append((TEST, "assignment", ARMS[k], "dropped_by_outage", float((dropped & (arm == k)).sum()),
                      "assignments removed by --broken-split "
                      + (f"{broken_day} (UTC+08:00 day {TEST_START + dt.timedelta(days=broken_day - 1)}); their events remain"
                         if broken_day else "(not used: 0)")))
    truth.append((TEST, "exposure", "(none)", "customers_with_test_events_unassigned", float(5 + dropped.sum()),
                  "customers with events tagged campaign_id = checkout_copy_q3 but no assignment row "
                  "(5 stray customers + assignments dropped by the outage)"))

    stats = dict(entrants=int(entrant.sum()), dropped=int(dropped.sum()), events=len(events),
                 months=len(month_rows), promo=len(pop), promo_participants=int(part.sum()))
    return dict(customers=customers, month_rows=month_rows, events=events, campaigns=campaigns,
                assignments=assignments, truth=truth, stats=stats)


def write(path, data):
    tmp = path + ".tmp"
    if os.path.exists(tmp):
        os.remove(tmp)
    con = sqlite3.connect(tmp)
    con.executescript(SCHEMA)
    con.executemany("INSERT INTO customers VALUES (?,?,?,?,?)", data["customers"])
    con.executemany("INSERT INTO customer_months VALUES (?,?,?,?)", data["month_rows"])
    con.executemany("INSERT INTO events VALUES (?,?,?,?,?)", data["events"])
    con.executemany("INSERT INTO campaigns VALUES (?,?,?,?,?,?)", data["campaigns"])
    con.executemany("INSERT INTO assignments VALUES (?,?,?,?)", data["assignments"])
    con.executemany("INSERT INTO metric_definitions VALUES (?,?,?,?,?,?,?,?,?)", METRICS)
    con.executemany("INSERT INTO truth VALUES (?,?,?,?,?,?)", data["truth"])
    con.commit()
    con.execute("VACUUM")
    con.close()
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--out", required=True, help="SQLite file to write")
    ap.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    ap.add_argument("--customers", type=int, default=6000)
    ap.add_argument("--broken-split", type=int, metavar="DAY", default=None,
                    help="drop 60%% of new_copy assignments made on test day DAY (1 = starts_on, UTC+08:00 days)")
    args = ap.parse_args(argv)
    if args.broken_split is not None and not 1 <= args.broken_split <= (TEST_END - TEST_START).days + 1:
        ap.error("--broken-split DAY must be a day of the test, 1..21")
    if args.customers < 100:
        ap.error("--customers must be at least 100")
    if os.path.exists(args.out) and not args.force:
        print(f"{args.out} exists; not overwriting it (use --force)", file=sys.stderr)
        return 2
    data = generate(args.seed, args.customers, args.broken_split)
    write(args.out, data)
    s = data["stats"]
    print(f"wrote {args.out}: {len(data['customers'])} customers, {s['months']} customer-months, {s['events']} events, "
          f"{s['entrants'] - s['dropped']} assigned to {TEST} ({s['dropped']} dropped), "
          f"{s['promo']} in {PROMO} ({s['promo_participants']} participants); {os.path.getsize(args.out)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
