"""Independent reference implementation of the CampaignLab AARRR funnel of the base.

Definitions: /tmp/spec/base-funnel-spec.md ("CampaignLab AARRR funnel of the base -
definitions"), version 2: the v1 text with its section "v2 changes" (points 1-5, which
supersede v1 where they differ), on the data contract of /work/shared/DOMAIN.md. Written from those two
texts and the pandas / numpy / scipy / lifelines documentation only; nothing is taken from
the Swift sources in Sources/ (the point of this file is independence).

Run (from the repository root):
    python3 Tests/References/base_funnel.py --db datasets/demo-small.sqlite --quarter 2026Q3 \
        --out Tests/References/base_funnel_demo_small.json
    python3 Tests/References/base_funnel.py --db datasets/demo-small.sqlite --quarter 2026Q3 \
        --quarters 8 --activation events:page_view,click --retention months:app_logins>0 \
        --revenue months:products_held>0 --referral none --by region \
        --out Tests/References/base_funnel_demo_small_events.json
    python3 Tests/References/base_funnel.py --db datasets/foreign-ab.sqlite --quarter 2026Q3 \
        --activation events:signin --out Tests/References/base_funnel_foreign.json
Options: --quarter YYYYQn (required; 'YYYY-Qn' also read); --quarters K (default 4, >= 1);
--activation / --retention / --revenue / --referral RULE: months:COLUMN>0 | events:NAME,NAME |
none (defaults: see "Parameters" below); --by COLUMN of customers (default: the first column
after customer_id and opened_on); --zone +08:00 (reporting zone; 'UTC', 'Z', +-HH:MM, +-HHMM);
--out FILE.json (default stdout). The database is opened read-only (sqlite3 URI mode=ro).
The library versions are printed to stderr on every run; the reference files were made with
Python 3.11.7, numpy 2.4.6, pandas 2.3.3, scipy 1.17.1, lifelines 0.30.3.
Requires: numpy, pandas, scipy, lifelines.

Output JSON: the spec's "Output JSON" fields plus (asked for with v2): per transition
"longest_days" (the longest duration, observed or censored, among those at risk; also in the
year-earlier transitions), and in "year_earlier" its "cutoff" and "steps" (the node list
actually kept). "cutoff" (top level and year earlier) is 'YYYY-MM-DD' when C is local 00:00,
else 'YYYY-MM-DD HH:MM:SS[.fff]' (local wall clock). Floats at full precision (json repr);
+infinity -> "inf" (and -infinity -> "-inf"), NaN / no value -> null.

Sources of each formula (spec section in quotes)
- Customer ids: one key per value: an INTEGER, or a REAL / TEXT whose value is an integer
  (17, 17.0, '17', '17.0'), becomes the decimal text '17'; any other TEXT is kept verbatim
  (the id rule of retention.py / tiers.py in this folder, re-implemented here). Two customers
  with the same key are an error. Events / months rows whose key is not a customer are
  dropped before anything else (count on stderr), also before data starts are taken.
- Times ("local seconds"): occurred_at 'YYYY-MM-DD[( |T)HH:MM[:SS[.fff]]][Z|+-HH[:MM]]';
  without an offset the wall clock is local; with one, local = wall - offset + zone.
  Local seconds = (days since 1970-01-01 of the local date) * 86400 + seconds of the day.
  An unparsable occurred_at of a row that a step reads is an error naming the row.
- "Parameters" with v2 points 1-2: the rule grammar is months:COLUMN>0 (COLUMN a
  customer_months column) or events:N1,N2 (names trimmed, empty names dropped) or none.
  Default activity rule: months:app_logins>0 if customer_months has app_logins, else
  events:app_login if table events has an app_login row (of a known customer), else none
  exists and the run fails (only when activation, or retention with activation 'none', needs
  it). A defaults to it; R defaults to A's rule text (given or defaulted), or to the default
  activity rule when A is 'none'; V = events:purchase and F = events:referral, each dropped
  when events has no row (of a known customer) of that name (stderr says so). An inherited or
  activity-default A/R is never dropped.
- "Entrants": window W = first day of Q-(K-1) .. last day of Q; data start: months -> first
  day of min(month) over every customer_months row (of known customers); events -> local date
  of the earliest event of the names (any time, also after C). Current cohort: entry_from =
  max(W start, latest data start of kept steps) (v1 rule, kept by v2). Entrants: opened_on
  (exactly 'YYYY-MM-DD', a valid date, surrounding blanks trimmed) in [entry_from, W end],
  and E < C (see the choices below). E = local 00:00 of opened_on.
- Cut-off (v2 point 3): C = min(C0, data end of each kept step after acquisition), C0 = local
  00:00 of the first day of quarter Q+1. Months step: 00:00 of the first day of the month after
  max(month) over customer_months rows of known customers (any column values). Events step: C0
  when some row of table events (any name, any customer_id - also ids not in customers, as
  opposed to the months clause) has a local time >= 00:00 of Q's last day; else the latest
  local time of any event row (< C0). Every events row is parsed for this (an unparsable
  occurred_at is an error naming the row). Occurrences count only when t < C, so an
  occurrence at exactly the latest event time (= C) does not count (literal reading).
- "Occurrences": events rule: rows with one of the names (any campaign_id) with t < C;
  months rule: rows with pandas.to_numeric(COLUMN, errors='coerce') > 0 (NULL / a word -> not
  > 0) at the month's first day 00:00, t < C.
- "Walking the steps": per entrant, literally the spec (Python loop): retention -> first
  occurrence with month(t) > month(a), a_k = t; other steps -> events: first t >= a,
  months: first with month >= month(a); a_k = max(t, a).
- "Time between nodes": durations in days as in the spec; lifelines KaplanMeierFitter
  (alpha 0.05, log-log intervals); median_survival_time_ and
  lifelines.utils.median_survival_times(confidence_interval_) (lower column -> median_low,
  upper column -> median_high); converted by d: 1 - S(d) and (1 - upper, 1 - lower) at the
  last row of survival_function_ / confidence_interval_ with index <= d; log-rank:
  lifelines.statistics.multivariate_logrank_test(durations, by-level, observed), null when
  fewer than 2 levels or no observed event.
- Greenwood se at 90 days (own code over distinct event times; checked against lifelines'
  S(t)): S(t) * sqrt(sum over t_i <= t with d_i > 0 of d_i / (n_i (n_i - d_i))); when some
  t_i <= t has n_i = d_i, S(t) = 0 and se = 0.
- "Year earlier" with v2 points 3-5: quarter Q-4, window W(Q-4) (same K), entrants = every
  customer with opened_on in W(Q-4) (no clipping by data starts; E < C' as above). Its
  funnel = the kept steps up to (not including) the first step after acquisition whose data
  start (a date) is strictly after W(Q-4)'s first day; fewer than 2 steps left -> no funnel:
  "cutoff" null, "transitions" [], "steps" the remaining ['acquisition']. Its cut-off C' =
  the point-3 rule with Q-4 over ITS kept steps. Comparison: one row per current transition;
  computed only when the year earlier has that transition (its funnel is a prefix of the
  current one) and longest_days >= 90 in both cohorts (point 5); then difference = p_now -
  p_before, z = difference / sqrt(se_now^2 + se_before^2), p = 2 * scipy.stats.norm.sf(|z|).

Choices where the spec is silent (kept explicit so a disagreement can be traced):
- A step's "rule" text is the normalized rule ('months:app_logins>0', 'events:page_view,click',
  names joined by ',' without blanks in the given order); acquisition's rule is 'opened_on'.
- A transition whose at_risk is 0: every statistic null (converted 0, longest_days null).
  No entrants at all: the same, overall null.
- v2 cut-off before some openings: a customer whose E >= C (opened on or after the data
  end, e.g. C = 2026-09-20 15:00 and opened 2026-09-25) is not an entrant (stderr counts
  them): C - E would be a negative (or zero, at E = C) censoring time, nothing about them
  can be observed, and lifelines would silently accept a negative duration.
- The year earlier's data end is taken over its own (cut) step list, so a step cut away
  does not shorten its cut-off.
- Comparison: when a side's converted_90d is null (or missing), difference / z / p are null; when both se
  are 0 the division follows IEEE: difference != 0 -> z = +-inf ("inf"/"-inf"), p = 0;
  difference = 0 -> z and p null (NaN).
- An explicit (non-default) events rule whose names have no events, or a months rule whose
  column is missing: an error (no data start can be given).
- Only acquisition kept (every other step none / dropped): transitions [], overall null.
- by levels: SQL NULL -> "(missing)"; other values as text (str of the stored value).
"""
import argparse
import bisect
import datetime as dt
import json
import math
import os
import re
import sqlite3
import sys

import lifelines
import numpy as np
import pandas as pd
import scipy
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
from lifelines.utils import median_survival_times
from scipy.stats import norm

NODES = ["acquisition", "activation", "retention", "revenue", "referral"]
EPOCH = dt.date(1970, 1, 1)
DAY = 86400
IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
TIME_RE = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?\s*$")
INT_TEXT_RE = re.compile(r"^[+-]?\d+(?:\.0*)?$")


def fail(msg):
    sys.exit(f"base_funnel.py: {msg}")


# ---------------------------------------------------------------- small parsers

def zone_minutes(z):
    z = z.strip()
    if z.upper() in ("Z", "UTC"):
        return 0
    m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})?", z)
    if not m:
        fail(f"--zone: expected UTC, Z or +-HH:MM, got {z!r}")
    return (1 if m.group(1) == "+" else -1) * (int(m.group(2)) * 60 + int(m.group(3) or 0))


def id_key(v):
    if v is None:
        return None
    if isinstance(v, bool):
        v = int(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    s = str(v)
    if INT_TEXT_RE.match(s):
        return str(int(s.split(".")[0]))
    return s


def day_number(d):
    return (d - EPOCH).days


def parse_date(s):
    """'YYYY-MM-DD' -> date or None."""
    if not isinstance(s, str):
        return None
    m = re.fullmatch(r"\s*(\d{4})-(\d{2})-(\d{2})\s*", s)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def local_seconds(s, zone_min):
    """ISO 8601 text -> local seconds (float) or None."""
    if not isinstance(s, str):
        return None
    m = TIME_RE.match(s)
    if not m:
        return None
    y, mo, d, hh, mi, ss, frac, tz = m.groups()
    try:
        day = dt.date(int(y), int(mo), int(d))
    except ValueError:
        return None
    hh, mi, ss = int(hh or 0), int(mi or 0), int(ss or 0)
    if hh > 23 or mi > 59 or ss > 59:
        return None
    t = day_number(day) * DAY + hh * 3600 + mi * 60 + ss + (float("0." + frac) if frac else 0.0)
    if tz is not None:
        if tz in ("Z", "z"):
            off = 0
        else:
            sign = -1 if tz[0] == "-" else 1
            digits = tz[1:].replace(":", "")
            off = sign * (int(digits[:2]) * 60 + int(digits[2:4] or 0))
        t += (zone_min - off) * 60
    return t


def month_of_seconds(t):
    """local seconds -> month index year*12 + month - 1."""
    d = EPOCH + dt.timedelta(days=math.floor(t / DAY))
    return d.year * 12 + d.month - 1


def month_start_seconds(m):
    return day_number(dt.date(m // 12, m % 12 + 1, 1)) * DAY


def parse_quarter(s):
    m = re.fullmatch(r"\s*(\d{4})-?[Qq]([1-4])\s*", s)
    if not m:
        fail(f"--quarter: expected YYYYQn, got {s!r}")
    return int(m.group(1)) * 4 + int(m.group(2)) - 1          # quarter index


def quarter_label(q):
    return f"{q // 4:04d}Q{q % 4 + 1}"


def quarter_first_day(q):
    return dt.date(q // 4, (q % 4) * 3 + 1, 1)


def fmt_local(t):
    """local seconds -> 'YYYY-MM-DD' at 00:00, else 'YYYY-MM-DD HH:MM:SS[.fff]' (local)."""
    days = math.floor(t / DAY)
    d = (EPOCH + dt.timedelta(days=days)).isoformat()
    sec = t - days * DAY
    if sec == 0:
        return d
    whole = int(sec)
    text = f"{d} {whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    if sec != whole:
        text += repr(sec - whole)[1:]
    return text


# ---------------------------------------------------------------- data

class Step:
    def __init__(self, node, kind, arg, default):
        self.node, self.kind, self.arg, self.default = node, kind, arg, default

    @property
    def rule(self):
        if self.kind == "acq":
            return "opened_on"
        if self.kind == "months":
            return f"months:{self.arg}>0"
        return "events:" + ",".join(self.arg)


def parse_rule(node, text, default):
    t = text.strip()
    if t == "none":
        return None
    m = re.fullmatch(r"months:\s*([A-Za-z_][A-Za-z0-9_]*)\s*>\s*0", t)
    if m:
        return Step(node, "months", m.group(1), default)
    m = re.fullmatch(r"events:(.*)", t)
    if m:
        names = [n.strip() for n in m.group(1).split(",") if n.strip()]
        if not names:
            fail(f"--{node}: events: without event names")
        return Step(node, "events", names, default)
    fail(f"--{node}: expected months:COLUMN>0, events:NAME,NAME or none, got {text!r}")


def load(con, args, zone_min):
    ccols = [r[1] for r in con.execute("PRAGMA table_info(customers)")]
    mcols = [r[1] for r in con.execute("PRAGMA table_info(customer_months)")]
    if "customer_id" not in ccols or "opened_on" not in ccols:
        fail("customers needs columns customer_id and opened_on")
    by = args.by
    if by is None:
        rest = [c for c in ccols if c not in ("customer_id", "opened_on")]
        if not rest:
            fail("customers has no dimension column for --by")
        by = rest[0]
    if by not in ccols or not IDENT_RE.match(by):
        fail(f"--by: customers has no column {by!r} (columns: {ccols})")

    given = {"activation": args.activation, "retention": args.retention,
             "revenue": args.revenue, "referral": args.referral}

    # customers
    cust = {}
    unparsable = 0
    for cid, opened, lvl in con.execute(f'SELECT customer_id, opened_on, "{by}" FROM customers'):
        k = id_key(cid)
        if k is None:
            fail("customers.customer_id: NULL id")
        if k in cust:
            fail(f"customers.customer_id {k!r} appears twice (17 and '17' are the same customer)")
        d = parse_date(opened)
        if d is None:
            unparsable += 1
        cust[k] = (d, "(missing)" if lvl is None else str(lvl))
    if unparsable:
        print(f"base_funnel.py: {unparsable} customers with an unparsable opened_on left out",
              file=sys.stderr)

    # v2 points 1 and 2: the default activity rule (only looked for when a step needs it)
    def default_activity(node):
        if "app_logins" in mcols:
            return "months:app_logins>0"
        for (cid,) in con.execute("SELECT customer_id FROM events WHERE event = 'app_login'"):
            if id_key(cid) in cust:
                return "events:app_login"
        fail(f"--{node}: no default activity rule (customer_months has no column app_logins and "
             f"table events has no app_login row); give --{node} RULE")

    rules = {}
    if given["activation"] is not None:
        rules["activation"] = (given["activation"], False)
    else:
        rules["activation"] = (default_activity("activation"), False)
    if given["retention"] is not None:
        rules["retention"] = (given["retention"], False)
    elif rules["activation"][0].strip() != "none":
        rules["retention"] = (rules["activation"][0], False)      # = the activation rule
    else:
        rules["retention"] = (default_activity("retention"), False)
    for node, dflt in (("revenue", "events:purchase"), ("referral", "events:referral")):
        rules[node] = (given[node], False) if given[node] is not None else (dflt, True)
    steps = [Step("acquisition", "acq", None, False)]
    for node in NODES[1:]:
        st = parse_rule(node, rules[node][0], rules[node][1])
        if st is not None:
            steps.append(st)

    # occurrences and data starts of each step: occ[key] = sorted list of (t, month)
    for st in steps[1:]:
        occ = {}
        orphans = 0
        if st.kind == "months":
            if st.arg not in mcols:
                fail(f"--{st.node}: customer_months has no column {st.arg!r} (columns: {mcols})")
            rows = con.execute(f'SELECT customer_id, month, "{st.arg}" FROM customer_months').fetchall()
            first = last = None
            vals = pd.to_numeric(pd.Series([r[2] for r in rows], dtype=object), errors="coerce").to_numpy()
            for i, (cid, month, _) in enumerate(rows):
                k = id_key(cid)
                if k not in cust:
                    orphans += 1
                    continue
                mm = re.fullmatch(r"\s*(\d{4})-(\d{2})\s*", str(month))
                if not mm or not 1 <= int(mm.group(2)) <= 12:
                    fail(f"customer_months.month row {i + 1}: not YYYY-MM: {month!r}")
                m = int(mm.group(1)) * 12 + int(mm.group(2)) - 1
                first = m if first is None else min(first, m)
                last = m if last is None else max(last, m)
                if vals[i] > 0:
                    occ.setdefault(k, []).append((month_start_seconds(m), m))
            if first is None:
                fail(f"--{st.node}: customer_months has no rows of known customers")
            st.start = dt.date(first // 12, first % 12 + 1, 1)
            st.last_month = last
        else:
            q = f"SELECT rowid, customer_id, occurred_at FROM events WHERE event IN ({','.join('?' * len(st.arg))})"
            first = None
            for rowid, cid, at in con.execute(q, st.arg):
                k = id_key(cid)
                if k not in cust:
                    orphans += 1
                    continue
                t = local_seconds(at, zone_min)
                if t is None:
                    fail(f"events.occurred_at row {rowid}: unparsable time {at!r}")
                first = t if first is None else min(first, t)
                occ.setdefault(k, []).append((t, month_of_seconds(t)))
            if first is None:
                if st.default:
                    print(f"base_funnel.py: default {st.node} rule {st.rule}: no such events, step dropped",
                          file=sys.stderr)
                    st.dropped = True
                    continue
                fail(f"--{st.node}: no events named {st.arg} in table events")
            st.start = EPOCH + dt.timedelta(days=math.floor(first / DAY))
        if orphans:
            print(f"base_funnel.py: {st.node}: {orphans} rows of customers not in customers ignored",
                  file=sys.stderr)
        for v in occ.values():
            v.sort()
        st.occ = occ
    steps = [s for s in steps if not getattr(s, "dropped", False)]
    # v2 point 3: the local times of every event row (any name, any customer id, also ids
    # not in customers), sorted; read only when an events step is kept
    all_times = None
    if any(s.kind == "events" for s in steps[1:]):
        all_times = []
        for rowid, at in con.execute("SELECT rowid, occurred_at FROM events"):
            t = local_seconds(at, zone_min)
            if t is None:
                fail(f"events.occurred_at row {rowid}: unparsable time {at!r}")
            all_times.append(t)
        all_times.sort()
    return cust, steps, by, all_times


# ---------------------------------------------------------------- walking

def cutoff(steps, q, all_times):
    """v2 point 3: C = min(first day of quarter q+1 00:00, data end of each kept step)."""
    C0 = day_number(quarter_first_day(q + 1)) * DAY
    C = C0
    for st in steps[1:]:
        if st.kind == "months":
            end = month_start_seconds(st.last_month + 1)
        else:
            if all_times and all_times[-1] >= C0 - DAY:      # an event on q's last day or later
                end = C0
            else:
                i = bisect.bisect_left(all_times, C0)         # the latest event before C0
                end = all_times[i - 1] if i > 0 else C0       # (no event at all: no limit)
        C = min(C, end)
    return C


def walk(cust, steps, q, K, C, clip):
    """Per-entrant step times for quarter index q and cut-off C: (info, rows) with
    rows = (level, [a_0..a_j]). clip: entrants from the latest data start on (v1 rule, kept for
    the current cohort); the year earlier (v2 point 4) takes the whole window."""
    w_from = quarter_first_day(q - (K - 1))
    w_to = quarter_first_day(q + 1) - dt.timedelta(days=1)
    latest = max([s.start for s in steps[1:]], default=w_from)
    entry_from = max(w_from, latest) if clip else w_from
    rows = []
    late = 0
    for k, (opened, lvl) in cust.items():
        if opened is None or not (entry_from <= opened <= w_to):
            continue
        a = day_number(opened) * DAY
        if a >= C:                  # opened on or after the cut-off (data end): not observable
            late += 1
            continue
        times = [a]
        for st in steps[1:]:
            ma = month_of_seconds(a)
            nxt = None
            for t, m in st.occ.get(k, ()):
                if t >= C:
                    break
                if st.node == "retention":
                    # events: t >= first day of the month after month(a); months: month > month(a)
                    ok = (t >= month_start_seconds(ma + 1)) if st.kind == "events" else (m > ma)
                    if ok:
                        nxt = t
                        break
                else:
                    ok = (t >= a) if st.kind == "events" else (m >= ma)
                    if ok:
                        nxt = max(t, a)
                        break
            if nxt is None:
                break
            a = nxt
            times.append(a)
        rows.append((lvl, times))
    if late:
        print(f"base_funnel.py: {quarter_label(q)}: {late} customers opened in the window at or after "
              f"the cut-off {fmt_local(C)} left out", file=sys.stderr)
    info = {"cutoff": C, "window": [w_from.isoformat(), w_to.isoformat()],
            "entry_from": entry_from.isoformat()}
    return info, rows


# ---------------------------------------------------------------- statistics

def at_or_before(frame, t):
    sub = frame[frame.index <= t]
    return sub.iloc[-1]


def greenwood_se(durations, observed, t):
    d_times = np.unique(durations[observed])
    s, acc = 1.0, 0.0
    for ti in d_times:
        if ti > t:
            break
        n = int((durations >= ti).sum())
        d = int(((durations == ti) & observed).sum())
        s *= (n - d) / n
        if n == d:
            return 0.0, 0.0
        acc += d / (n * (n - d))
    return s * math.sqrt(acc), s


def km_summary(durations, observed, groups=None):
    durations = np.asarray(durations, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    out = {}
    if len(durations) == 0:
        return None
    kmf = KaplanMeierFitter(alpha=0.05).fit(durations, observed)
    out["median_days"] = float(kmf.median_survival_time_)
    med = median_survival_times(kmf.confidence_interval_)
    lo_col = [c for c in med.columns if "lower" in c][0]
    hi_col = [c for c in med.columns if "upper" in c][0]
    out["median_low"] = float(med[lo_col].iloc[0])
    out["median_high"] = float(med[hi_col].iloc[0])
    for d in (30, 90):
        s = float(at_or_before(kmf.survival_function_, d).iloc[0])
        ci = at_or_before(kmf.confidence_interval_, d)
        out[f"converted_{d}d"] = 1.0 - s
        out[f"converted_{d}d_low"] = 1.0 - float(ci[hi_col])
        out[f"converted_{d}d_high"] = 1.0 - float(ci[lo_col])
    se, s_own = greenwood_se(durations, observed, 90.0)
    if abs(s_own - (1.0 - out["converted_90d"])) > 1e-12:
        fail(f"own KM S(90) {s_own} != lifelines {1 - out['converted_90d']}")
    out["converted_90d_se"] = se
    out["logrank_statistic"] = out["logrank_p"] = None
    if groups is not None:
        g = np.asarray(groups, dtype=object)
        if len(set(g)) >= 2 and observed.any():
            lr = multivariate_logrank_test(durations, g, observed)
            out["logrank_statistic"] = float(lr.test_statistic)
            out["logrank_p"] = float(lr.p_value)
    return out


STAT_KEYS = ["median_days", "median_low", "median_high", "converted_30d", "converted_30d_low",
             "converted_30d_high", "converted_90d", "converted_90d_low", "converted_90d_high",
             "converted_90d_se", "logrank_statistic", "logrank_p"]


def compute(cust, steps, q, K, all_times, clip=True):
    C = cutoff(steps, q, all_times)
    info, rows = walk(cust, steps, q, K, C, clip)
    n_steps = len(steps)
    reached = [sum(1 for _, t in rows if len(t) > k) for k in range(n_steps)]
    step_recs = []
    for k, st in enumerate(steps):
        step_recs.append({"node": st.node, "rule": st.rule, "customers": reached[k],
                          "step_conversion": None if k == 0 else
                          (reached[k] / reached[k - 1] if reached[k - 1] else None),
                          "overall_conversion": reached[k] / reached[0] if reached[0] else None})
    transitions = []
    for k in range(1, n_steps):
        risk = [(lvl, t) for lvl, t in rows if len(t) > k - 1]
        dur = [((t[k] - t[k - 1]) if len(t) > k else (C - t[k - 1])) / DAY for _, t in risk]
        obs = [len(t) > k for _, t in risk]
        rec = {"from": steps[k - 1].node, "to": steps[k].node, "at_risk": len(risk),
               "converted": reached[k], "longest_days": max(dur) if dur else None}
        stats = km_summary(dur, obs, [lvl for lvl, _ in risk]) if risk else None
        for key in STAT_KEYS:
            rec[key] = None if stats is None else stats[key]
        transitions.append(rec)
    overall = None
    if n_steps > 1:
        last = n_steps - 1
        dur = [((t[last] - t[0]) if len(t) > last else (C - t[0])) / DAY for _, t in rows]
        obs = [len(t) > last for _, t in rows]
        stats = km_summary(dur, obs) if rows else None
        overall = {"median_days": None if stats is None else stats["median_days"],
                   "converted_90d": None if stats is None else stats["converted_90d"]}
    return info, step_recs, transitions, overall, reached


def clean(x):
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, list):
        return [clean(v) for v in x]
    if isinstance(x, (np.floating, float)):
        x = float(x)
        if math.isnan(x):
            return None
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    if isinstance(x, np.integer):
        return int(x)
    return x


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--quarter", required=True)
    ap.add_argument("--quarters", type=int, default=4)
    for node in NODES[1:]:
        ap.add_argument(f"--{node}", default=None)
    ap.add_argument("--by", default=None)
    ap.add_argument("--zone", default="+08:00")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"scipy {scipy.__version__}, lifelines {lifelines.__version__}", file=sys.stderr)
    if args.quarters < 1:
        fail("--quarters must be >= 1")
    q = parse_quarter(args.quarter)
    zone_min = zone_minutes(args.zone)
    if not os.path.exists(args.db):
        fail(f"no such file {args.db}")
    con = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    cust, steps, by, all_times = load(con, args, zone_min)
    con.close()

    info, step_recs, transitions, overall, reached = compute(cust, steps, q, args.quarters, all_times)
    # year earlier (v2 point 4): no clipping of the entrants; the funnel is cut before the first
    # step whose data start is after the first day of the year-earlier window
    yq = q - 4
    y_from = quarter_first_day(yq - (args.quarters - 1))
    steps_y = [steps[0]]
    for st in steps[1:]:
        if st.start > y_from:
            break
        steps_y.append(st)
    if len(steps_y) >= 2:
        info_y, _, trans_y, _, reached_y = compute(cust, steps_y, yq, args.quarters, all_times, clip=False)
    else:
        info_y, trans_y, reached_y = None, [], None
    comparison = []
    for i, now in enumerate(transitions):
        before = trans_y[i] if i < len(trans_y) else None
        rec = {"from": now["from"], "to": now["to"], "difference": None, "z": None, "p": None}
        if (before is not None and now["converted_90d"] is not None
                and before["converted_90d"] is not None
                and now["longest_days"] >= 90 and before["longest_days"] >= 90):    # v2 point 5
            diff = now["converted_90d"] - before["converted_90d"]
            se = math.sqrt(now["converted_90d_se"] ** 2 + before["converted_90d_se"] ** 2)
            if se > 0:
                z = diff / se
            else:
                z = math.copysign(math.inf, diff) if diff != 0 else math.nan
            p = 2 * norm.sf(abs(z)) if not math.isnan(z) else math.nan
            rec.update(difference=diff, z=z, p=float(p))
        comparison.append(rec)
    yinfo = ("no funnel (steps " + str([s.node for s in steps_y]) + ")" if info_y is None else
             f"entry {info_y['entry_from']}..{info_y['window'][1]}, cut-off {fmt_local(info_y['cutoff'])}, "
             f"steps {[s.node for s in steps_y]}, reached {reached_y}")
    print(f"base_funnel.py: steps {[s.rule for s in steps]}, data starts "
          f"{[s.start.isoformat() for s in steps[1:]]}, by {by}; {quarter_label(q)}: entry "
          f"{info['entry_from']}..{info['window'][1]}, cut-off {fmt_local(info['cutoff'])}, "
          f"reached {reached}; {quarter_label(yq)}: {yinfo}", file=sys.stderr)

    out = {"source": os.path.basename(args.db), "quarter": quarter_label(q), "quarters": args.quarters,
           "cutoff": fmt_local(info["cutoff"]), "window": info["window"],
           "entry_from": info["entry_from"], "steps": step_recs, "transitions": transitions,
           "overall": overall,
           "year_earlier": {"quarter": quarter_label(yq),
                            "cutoff": None if info_y is None else fmt_local(info_y["cutoff"]),
                            "steps": [s.node for s in steps_y],
                            "transitions": [{k: t[k] for k in ("from", "to", "at_risk", "longest_days",
                                                               "converted_90d", "converted_90d_se")}
                                            for t in trans_y],
                            "comparison": comparison}}
    text = json.dumps(clean(out), indent=1, ensure_ascii=False, allow_nan=False)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
