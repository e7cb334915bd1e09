"""Independent reference implementation of the CampaignLab A/B readout.

Definitions: /tmp/spec/readout-spec.md ("CampaignLab A/B readout - definitions (v1,
2026-12-02)") on the data contract of /work/shared/DOMAIN.md (docs of this project).
Written from those texts, scipy/statsmodels and gbstats only; nothing is taken from the
Swift sources in Sources/ (the point of this file is independence).

Run (from the repository root):
    python3 Tests/References/readout.py --db datasets/demo-small.sqlite \
        --campaign page_ab_2026 --out Tests/References/readout_demo_small.json
    python3 Tests/References/readout.py --db datasets/demo-small.sqlite \
        --campaign page_ab_2026 --as-of 2026-06-14 \
        --out Tests/References/readout_demo_small_interim.json
Options: --as-of YYYY-MM-DD (interim read), --zone +08:00 (reporting zone, default +08:00),
--split 50,25,25 (planned split in arm order: control first, then the others by name;
default equal), --tuning N* (confidence-sequence tuning; default = every assigned customer
of the campaign, as-of or not), --out FILE.json (default: stdout).
The library versions in use are printed to stderr on every run; the reference files were
made with Python 3.11.7, numpy 2.4.6, pandas 2.3.3, scipy 1.17.1, statsmodels 0.15.0.
Requires: numpy, pandas, scipy, statsmodels
(python3 -m pip install --quiet --break-system-packages pandas statsmodels).

Sources of each formula
- Times: every timestamp is parsed here (regex, ISO 8601: 'YYYY-MM-DD HH:MM:SS' or 'T',
  optional fraction, optional 'Z' / +-HH:MM); one with an offset is moved to the reporting
  zone, a naive one is already local (DOMAIN.md, events.occurred_at). Internally times are
  integer nanoseconds of local wall time (fractions past 9 digits are truncated).
- Customers / windows / per-customer values: readout spec, sections "Customers and
  windows" and "Per-customer values", transcribed rule by rule (see the functions below).
- Welch t-test: p-value = scipy.stats.ttest_ind(y_t, y_c, equal_var=False).pvalue; the
  interval is computed by hand (mean difference +- t_{0.975, df} * se, Welch-Satterthwaite
  df) and checked against TtestResult.confidence_interval(0.95) and scipy's statistic/df.
- CUPED (Deng, Xu, Kohavi, Walker 2013): pooled theta = S_xy / S_xx over both arms,
  y' = y - theta (x - xbar_pooled); then the Welch test on y'.
- Relative effect: delta method as written in the spec, var = v_t/m_c^2 + m_t^2 v_c/m_c^4
  (the same as gbstats' TTest.variance for relative uplift), t interval on the Welch df.
- Ratio metric: delta method of Deng et al. 2018 ("Applying the delta method in metric
  analytics"), per arm var(r) = (s_N^2/mD^2 - 2 mN s_ND/mD^3 + mN^2 s_D^2/mD^4)/n with
  numpy var/cov ddof=1, z interval and z p-value with scipy.stats.norm.
- Holm: statsmodels.stats.multitest.multipletests(p, method='holm') over every
  (metric, variant) default p-value of the readout.
- Bayesian: posterior N(relative, se_rel^2); Phi/phi = scipy.stats.norm.cdf/pdf;
  chance_to_win = Phi(d/s), expected_loss = s phi(d/s) - d Phi(-d/s) (d in the good direction).
- SRM: scipy.stats.chisquare(observed, f_exp = total * split / sum(split)).
- Confidence sequence: transcription of gbstats (GrowthBook's Python stats engine),
  github.com/growthbook/growthbook packages/stats/gbstats/frequentist/tests.py
  (commit 8f1db4456915a8e7b7faf23d5632ca7219d2f469): sequential_rho (eq. 161 of
  Waudby-Smith et al. 2023, arXiv:2103.06476v7), sequential_interval_halfwidth (eq. 9) and
  SequentialTwoSidedTTest.halfwidth (s2 = se^2 * n, n = n_a + n_b).
"""
import argparse
import datetime as dt
import json
import math
import os
import re
import sqlite3
import sys

import numpy as np
import pandas as pd
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.multitest import multipletests

ALPHA = 0.05
NS = 1_000_000_000
DAY_NS = 86_400 * NS


class InputError(Exception):
    """Bad input: message names the table, column and row."""


# ----------------------------------------------------------------------------- ids

_PLAIN_INT = re.compile(r"^[+-]?[0-9]+$")


def id_key(value, table):
    """Canonical key of a stored customer id: 17, 17.0 and '17' are the same customer.
    Integer-valued reals -> int, text that is a plain integer -> int, everything else text."""
    if value is None:
        raise InputError(f"{table}.customer_id: NULL customer id")
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return f"i:{value}"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return f"i:{int(value)}"
        return f"s:{value!r}"
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = str(value)
    if _PLAIN_INT.match(text):
        return f"i:{int(text)}"
    return f"s:{text}"


# ----------------------------------------------------------------------------- times

_TS = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)


def parse_offset(text):
    """'Z' -> 0, '+08:00' / '+0800' / '+08' / '-05:30' -> seconds east of UTC."""
    text = text.strip()
    if text in ("Z", "z", "UTC", "utc"):
        return 0
    m = re.match(r"^(?:UTC)?([+-])(\d{1,2})(?::?(\d{2}))?$", text)
    if not m:
        raise InputError(f"bad zone offset {text!r} (expected e.g. +08:00, -05:00, Z)")
    sign = 1 if m.group(1) == "+" else -1
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if hours > 18 or minutes > 59:
        raise InputError(f"bad zone offset {text!r}")
    return sign * (hours * 3600 + minutes * 60)


def date_ns(text, what):
    """'YYYY-MM-DD' -> ns of its local midnight."""
    try:
        d = dt.date.fromisoformat(str(text).strip()[:10]) if re.match(r"^\d{4}-\d{2}-\d{2}$", str(text).strip()) else None
    except ValueError:
        d = None
    if d is None:
        raise InputError(f"{what}: {text!r} is not a date 'YYYY-MM-DD'")
    return (d - dt.date(1970, 1, 1)).days * DAY_NS


def parse_times(values, zone_s, table, column, row_names):
    """Vector of ISO 8601 strings -> int64 ns of reporting-zone local wall time."""
    s = pd.Series(values, dtype=object)
    bad_type = ~s.map(lambda v: isinstance(v, str))
    if bad_type.any():
        i = int(np.flatnonzero(bad_type.to_numpy())[0])
        raise InputError(f"{table}.{column}: {s.iloc[i]!r} is not an ISO 8601 text ({row_names(i)})")
    parts = s.str.strip().str.extract(_TS)
    bad = parts[0].isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{table}.{column}: {s.iloc[i]!r} is not an ISO 8601 time ({row_names(i)})")
    days = pd.to_datetime(parts[0] + "-" + parts[1] + "-" + parts[2], format="%Y-%m-%d", errors="coerce")
    if days.isna().any():
        i = int(np.flatnonzero(days.isna().to_numpy())[0])
        raise InputError(f"{table}.{column}: {s.iloc[i]!r} has no such date ({row_names(i)})")
    day_ns = days.to_numpy().astype("datetime64[ns]").astype(np.int64)
    hh = parts[3].fillna("0").astype(int).to_numpy()
    mi = parts[4].fillna("0").astype(int).to_numpy()
    ss = parts[5].fillna("0").astype(int).to_numpy()
    badclock = (hh > 23) | (mi > 59) | (ss > 59)
    if badclock.any():
        i = int(np.flatnonzero(badclock)[0])
        raise InputError(f"{table}.{column}: {s.iloc[i]!r} has no such clock time ({row_names(i)})")
    frac = parts[6].fillna("").map(lambda f: int((f + "000000000")[:9])).to_numpy(dtype=np.int64)
    offs = parts[7].map(lambda o: None if pd.isna(o) else parse_offset(o))
    local = day_ns + ((hh * 3600 + mi * 60 + ss).astype(np.int64) * NS) + frac
    has_off = offs.notna().to_numpy()
    shift = np.zeros(len(s), dtype=np.int64)
    if has_off.any():
        shift[has_off] = (zone_s - offs[has_off].astype(np.int64).to_numpy()) * NS
    return local + shift


# ----------------------------------------------------------------------------- db

def has_relation(con, name):
    row = con.execute("SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name = ?", (name,)).fetchone()
    return row is not None


def columns_of(con, name):
    return [(r[1], (r[2] or "").upper()) for r in con.execute(f'PRAGMA table_info("{name}")')]


def numeric_value(v, what):
    if v is None:
        return np.nan
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(str(v).strip())
    except ValueError:
        raise InputError(f"{what}: {v!r} is not a number") from None


def load_metric_definitions(con):
    """All rows of metric_definitions in rowid order, then every numeric customer_months
    column the table does not define, with rollup mean (the contract: every other
    customer_months column is a numeric metric)."""
    defs = []
    if has_relation(con, "metric_definitions"):
        try:
            cur = con.execute("SELECT * FROM metric_definitions ORDER BY rowid")
        except sqlite3.OperationalError:  # a view or a WITHOUT ROWID table: its own order
            cur = con.execute("SELECT * FROM metric_definitions")
        names = [d[0] for d in cur.description]
        defs = [dict(zip(names, row)) for row in cur.fetchall()]
        for d in defs:
            if d.get("metric") is None:
                raise InputError("metric_definitions.metric: NULL metric name")
    defined = {d["metric"] for d in defs}
    numeric_types = ("INT", "REAL", "FLOA", "DOUB", "NUM", "DEC")
    for name, decl in columns_of(con, "customer_months"):
        if name in ("customer_id", "month") or name in defined:
            continue
        if decl:
            numeric = any(k in decl for k in numeric_types)
        else:
            kinds = {r[0] for r in con.execute(f'SELECT DISTINCT typeof("{name}") FROM customer_months')}
            numeric = kinds <= {"integer", "real", "null"} and kinds != {"null"}
        if numeric:
            defs.append({"metric": name, "source": "months", "rollup": "mean", "event": None,
                         "numerator": None, "denominator": None, "higher_is_better": 1})
    return defs


# ----------------------------------------------------------------------------- readout

class Readout:
    def __init__(self, db, campaign, as_of=None, zone="+08:00", split=None, tuning=None):
        self.db = db
        self.campaign = campaign
        self.as_of = as_of
        self.zone_s = parse_offset(zone)
        self.con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        self.con.text_factory = lambda b: b.decode("utf-8", errors="replace")
        self._load_campaign()
        self._load_customers()
        self.split = split
        self.tuning = tuning
        self.defs = load_metric_definitions(self.con)
        self.by_name = {d["metric"]: d for d in self.defs}
        # An interim look that ends inside the test's last month: monthly snapshots (and ratios
        # built on them) are left out, that month is not over.
        last_month_end = pd.Timestamp(self.ends_on[:7] + "-01") + pd.offsets.MonthEnd(0)
        planned_end = date_ns(self.ends_on, "campaigns.ends_on") + DAY_NS
        if self.T1 < planned_end and self.T1 <= int(last_month_end.value):
            def monthly(d):
                if self.is_ratio(d):
                    return any(self.by_name.get(d.get(r), {}).get("source") == "months" for r in ("numerator", "denominator"))
                return (d.get("source") or ("events" if d.get("event") else "months")) == "months"
            self.defs = [d for d in self.defs if not monthly(d)]
        self._events = None
        self._months = {}

    # -- campaign and customers --------------------------------------------------
    def _load_campaign(self):
        if not has_relation(self.con, "campaigns"):
            raise InputError("table campaigns is missing")
        cur = self.con.execute("SELECT * FROM campaigns WHERE campaign_id = ?", (self.campaign,))
        names = [d[0] for d in cur.description]
        row = cur.fetchone()
        if row is None:
            known = [r[0] for r in self.con.execute("SELECT campaign_id FROM campaigns")]
            raise InputError(f"campaigns: no row with campaign_id = {self.campaign!r} (known: {known})")
        c = dict(zip(names, row))
        if str(c["design"]) != "randomized":
            raise InputError(f"campaigns.design of {self.campaign!r} is {c['design']!r}; a readout needs 'randomized'")
        self.control = str(c["control_arm"])
        self.starts_on = str(c["starts_on"]).strip()
        self.ends_on = str(c["ends_on"]).strip()
        self.T0 = date_ns(self.starts_on, f"campaigns.starts_on ({self.campaign})")
        end_day = date_ns(self.ends_on, f"campaigns.ends_on ({self.campaign})")
        if end_day < self.T0:
            raise InputError(f"campaigns.ends_on {self.ends_on} is before starts_on {self.starts_on} ({self.campaign})")
        self.T1 = end_day + DAY_NS
        if self.as_of is not None:
            self.T1 = min(self.T1, date_ns(self.as_of, "--as-of") + DAY_NS)
        self.L = (end_day - self.T0) // DAY_NS + 1  # days of the window = pre-period length

    def _load_customers(self):
        rows = self.con.execute(
            "SELECT customer_id, arm, assigned_at FROM assignments WHERE campaign_id = ?", (self.campaign,)
        ).fetchall()
        if not rows:
            raise InputError(f"assignments: no rows with campaign_id = {self.campaign!r}")
        keys = [id_key(r[0], "assignments") for r in rows]
        df = pd.DataFrame({"key": keys, "raw_id": [r[0] for r in rows], "arm": [str(r[1]) for r in rows]})
        dup = df.key.duplicated(keep=False)
        if dup.any():
            raise InputError(f"assignments: customer {df.raw_id[dup].iloc[0]!r} is assigned twice in {self.campaign!r} "
                             f"(ids {list(df.raw_id[dup])})")
        df["assigned"] = parse_times([r[2] for r in rows], self.zone_s, "assignments", "assigned_at",
                                     lambda i: f"campaign_id={self.campaign!r}, customer_id={rows[i][0]!r}")
        self.total_assigned = len(df)
        df = df[df.assigned < self.T1].reset_index(drop=True)  # not yet in the test: left out
        self.customers = df.set_index("key")
        others = sorted(a for a in df.arm.unique() if a != self.control)
        if self.control not in set(df.arm):
            raise InputError(f"assignments: no customer in the control arm {self.control!r} of {self.campaign!r}")
        self.arms = [self.control] + others
        self.variants = others

    # -- per-customer values --------------------------------------------------------
    def events(self):
        if self._events is None:
            if not has_relation(self.con, "events"):
                raise InputError("table events is missing (needed by an events metric)")
            cols = [c for c, _ in columns_of(self.con, "events")]
            for need in ("customer_id", "event", "occurred_at"):
                if need not in cols:
                    raise InputError(f"events.{need}: column is missing")
            wanted = sorted({str(d["event"]) for d in self.defs if str(d.get("source") or "") == "events"})
            sel = ["customer_id", "event", "occurred_at",
                   "value" if "value" in cols else "NULL",
                   "campaign_id" if "campaign_id" in cols else "NULL"]
            q = f"SELECT {', '.join(sel)} FROM events WHERE event IN ({', '.join('?' * len(wanted))})"
            rows = self.con.execute(q, wanted).fetchall() if wanted else []
            has_campaign = "campaign_id" in cols
            ev = pd.DataFrame(rows, columns=["customer_id", "event", "occurred_at", "value", "campaign_id"], dtype=object)
            if has_campaign:  # rows of this campaign or of none
                keep = ev.campaign_id.map(lambda c: c is None or str(c) == self.campaign)
                ev = ev[keep.astype(bool)].reset_index(drop=True)
            ev["key"] = [id_key(v, "events") for v in ev.customer_id]
            ev = ev[ev.key.isin(self.customers.index)].reset_index(drop=True)
            ev["t"] = parse_times(ev.occurred_at.tolist(), self.zone_s, "events", "occurred_at",
                                  lambda i: f"customer_id={ev.customer_id[i]!r}, event={ev.event[i]!r}")
            ev["val"] = [numeric_value(v, f"events.value (customer_id={c!r}, occurred_at={o!r})")
                         for v, c, o in zip(ev.value, ev.customer_id, ev.occurred_at)]
            self._has_value = "value" in cols
            self._events = ev
        return self._events

    def events_metric(self, d):
        """post and pre values (indexed by customer key, every readout customer)."""
        name, rollup = d["metric"], str(d.get("rollup") or "count").lower()
        if rollup not in ("any", "count", "sum"):
            raise InputError(f"metric_definitions.rollup of {name!r}: {rollup!r} (events: any|count|sum)")
        if d.get("event") is None:
            raise InputError(f"metric_definitions.event of {name!r}: NULL for an events metric")
        ev = self.events()
        if rollup == "sum" and not self._has_value:
            raise InputError(f"events.value: column is missing (needed by the sum metric {name!r})")
        ev = ev[ev.event.map(str) == str(d["event"])]
        assigned = self.customers.assigned.reindex(ev.key).to_numpy()
        post_rows = ev[(ev.t.to_numpy() >= assigned) & (ev.t.to_numpy() < self.T1)]
        pre_rows = ev[(ev.t >= self.T0 - self.L * DAY_NS) & (ev.t < self.T0)]

        def roll(rows):
            g = rows.groupby("key")
            if rollup == "any":
                out = (g.size() > 0).astype(float)
            elif rollup == "count":
                out = g.size().astype(float)
            else:
                out = g.val.apply(lambda v: float(np.nansum(v.to_numpy(dtype=float))))  # NULL value counts 0
            return out.reindex(self.customers.index, fill_value=0.0).astype(float)  # no events -> 0

        return roll(post_rows), roll(pre_rows)

    def month_list(self):
        s, e = dt.date.fromisoformat(self.starts_on), dt.date.fromisoformat(self.ends_on)
        post, y, m = [], s.year, s.month
        while (y, m) <= (e.year, e.month):
            post.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        pre, y, m = [], s.year, s.month
        for _ in range(len(post)):
            y, m = (y - 1, 12) if m == 1 else (y, m - 1)
            pre.insert(0, f"{y:04d}-{m:02d}")
        return post, pre

    def months_column(self, column):
        if column not in self._months:
            if not has_relation(self.con, "customer_months"):
                raise InputError("table customer_months is missing (needed by a months metric)")
            cols = [c for c, _ in columns_of(self.con, "customer_months")]
            if column not in cols:
                raise InputError(f"customer_months.{column}: no such column (metric_definitions names it)")
            rows = self.con.execute(f'SELECT customer_id, month, "{column}" FROM customer_months').fetchall()
            df = pd.DataFrame(rows, columns=["customer_id", "month", "v"], dtype=object)
            df["key"] = [id_key(v, "customer_months") for v in df.customer_id]
            df = df[df.key.isin(self.customers.index)].reset_index(drop=True)
            month = df.month.map(lambda m: str(m).strip()[:7])
            bad = ~month.str.match(r"^\d{4}-\d{2}$")
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputError(f"customer_months.month: {df.month[i]!r} is not 'YYYY-MM' (customer_id={df.customer_id[i]!r})")
            df["month"] = month
            df["v"] = [numeric_value(v, f"customer_months.{column} (customer_id={c!r}, month={m!r})")
                       for v, c, m in zip(df.v, df.customer_id, df.month)]
            self._months[column] = df[["key", "month", "v"]]
        return self._months[column]

    def months_metric(self, d):
        name, rollup = d["metric"], str(d.get("rollup") or "mean").lower()
        if rollup not in ("mean", "sum", "last", "max"):
            raise InputError(f"metric_definitions.rollup of {name!r}: {rollup!r} (months: mean|sum|last|max)")
        df = self.months_column(name)
        post_m, pre_m = self.month_list()

        def roll(months):
            rows = df[df.month.isin(months) & df.v.notna()]  # NULL values skipped
            g = rows.groupby("key")
            if rollup == "mean":
                return g.v.mean()
            if rollup == "sum":
                return g.v.sum()
            if rollup == "max":
                return g.v.max()
            return rows.sort_values("month").groupby("key").v.last()  # latest month with a value

        post = roll(post_m).reindex(self.customers.index)  # NaN: left out of this metric
        pre = roll(pre_m).reindex(self.customers.index)
        if pre.notna().any():
            pre = pre.fillna(pre.mean())  # mean over all customers (all arms) having a pre value
        return post.dropna(), pre

    def base_values(self, d):
        source = str(d.get("source") or "").lower()
        if source == "events":
            return self.events_metric(d)
        if source == "months":
            return self.months_metric(d)
        raise InputError(f"metric_definitions.source of {d['metric']!r}: {d.get('source')!r} (months|events, or a ratio)")

    def is_ratio(self, d):
        return d.get("numerator") is not None or d.get("denominator") is not None

    # -- estimates -----------------------------------------------------------------
    def run(self):
        counts = [int((self.customers.arm == a).sum()) for a in self.arms]
        split = self.split or [1.0] * len(self.arms)
        if len(split) != len(self.arms):
            raise InputError(f"--split has {len(split)} parts but the test has {len(self.arms)} arms {self.arms}")
        split = np.asarray(split, dtype=float)
        f_exp = sum(counts) * split / split.sum()
        srm = stats.chisquare(counts, f_exp=f_exp)
        tuning = float(self.tuning if self.tuning is not None else self.total_assigned)

        estimates = []
        quantiles = []
        for d in self.defs:
            name = d["metric"]
            hib = True if d.get("higher_is_better") is None else bool(int(d["higher_is_better"]))
            if self.is_ratio(d):
                parts = []
                for role in ("numerator", "denominator"):
                    ref = d.get(role)
                    if ref is None or ref not in self.by_name:
                        raise InputError(f"metric_definitions.{role} of {name!r}: {ref!r} is not a defined metric")
                    if self.is_ratio(self.by_name[ref]):
                        raise InputError(f"metric_definitions.{role} of {name!r}: {ref!r} is itself a ratio")
                    parts.append(self.base_values(self.by_name[ref])[0])
                pair = pd.concat(parts, axis=1, join="inner", keys=["N", "D"])
                for arm in self.variants:
                    estimates.append(self.ratio_estimate(name, arm, pair, hib))
            else:
                post, pre = self.base_values(d)
                for arm in self.variants:
                    estimates.append(self.mean_estimate(name, arm, post, pre, hib))
                if d.get("source", "events" if d.get("event") else "months") == "events" and d.get("rollup") == "sum":
                    for arm in self.variants:
                        for p in (0.5, 0.9):
                            quantiles.append(self.quantile_estimate(name, arm, post, p))

        for e in estimates:  # confidence sequence (gbstats) on the default absolute estimate
            n = e["n_treatment"] + e["n_control"]
            hw = cs_halfwidth(e["se"] ** 2 * n, n, tuning, ALPHA) if _ok(e["se"]) and e["se"] > 0 else math.nan
            e["cs_low"], e["cs_high"] = e["estimate"] - hw, e["estimate"] + hw

        ps = np.array([e["p_value"] for e in estimates], dtype=float)
        padj = np.full(len(ps), np.nan)
        ok = np.isfinite(ps)
        if ok.any():
            padj[ok] = multipletests(ps[ok], alpha=ALPHA, method="holm")[1]
        for e, p in zip(estimates, padj):
            e["p_adjusted"] = p

        return clean({
            "source": os.path.basename(self.db),
            "campaign": self.campaign,
            "as_of": self.as_of,
            "arms": self.arms,
            "customers": dict(zip(self.arms, counts)),
            "srm": {"statistic": float(srm.statistic), "p_value": float(srm.pvalue)},
            "estimates": estimates,
            "quantiles": quantiles,
        })

    def arm_values(self, series, arm):
        idx = series.index[self.customers.arm.reindex(series.index).to_numpy() == arm]
        return series.reindex(idx)

    def mean_estimate(self, name, arm, post, pre, hib):
        yt = self.arm_values(post, arm).to_numpy(float)
        yc = self.arm_values(post, self.control).to_numpy(float)
        xt = pre.reindex(self.arm_values(post, arm).index).to_numpy(float)
        xc = pre.reindex(self.arm_values(post, self.control).index).to_numpy(float)
        unadj = welch(yt, yc)
        x = np.concatenate([xt, xc])
        y = np.concatenate([yt, yc])
        use_cuped = bool(np.all(np.isfinite(x)) and len(x) > 0 and x.max() != x.min())
        theta = None
        default = unadj
        if use_cuped:
            xbar, ybar = x.mean(), y.mean()
            theta = float(np.sum((x - xbar) * (y - ybar)) / np.sum((x - xbar) ** 2))
            default = welch(yt - theta * (xt - xbar), yc - theta * (xc - xbar))
            # Relative CUPED effect as GrowthBook's engine: the adjusted difference over the
            # control's unadjusted mean, variance by gbstats models/tests.py
            # frequentist_variance_relative_cuped (commit 8f1db445), the adjusted Welch df.
            mt, mc = float(yt.mean()), float(yc.mean())
            if mc != 0 and _ok(default["se"]) and default["se"] > 0:
                cov_t, cov_c = float(np.cov(xt, yt, ddof=1)[0, 1]), float(np.cov(xc, yc, ddof=1)[0, 1])
                v_trt = (yt.var(ddof=1) + theta ** 2 * xt.var(ddof=1) - 2 * theta * cov_t) / (len(yt) * mc ** 2)
                v_ctrl = (yc.var(ddof=1) * mt ** 2 / mc ** 2 - 2 * theta * cov_c * mt / mc
                          + theta ** 2 * xc.var(ddof=1)) / (len(yc) * mc ** 2)
                rel, rse = default["estimate"] / abs(mc), math.sqrt(max(v_trt + v_ctrl, 0))
                q = float(stats.t.ppf(1 - ALPHA / 2, default["df"]))
                default = dict(default, relative=rel, relative_se=rse, relative_low=rel - q * rse, relative_high=rel + q * rse)
            else:
                default = dict(default, relative=math.nan, relative_se=math.nan, relative_low=math.nan, relative_high=math.nan)
        e = {
            "metric": name, "arm": arm, "kind": "mean",
            "n_treatment": len(yt), "n_control": len(yc),
            "mean_treatment": float(yt.mean()) if len(yt) else math.nan,
            "mean_control": float(yc.mean()) if len(yc) else math.nan,
            "cuped": use_cuped, "theta": theta,
            "df": default["df"],
            # Pre-period balance: scipy.stats.ttest_ind(x_t, x_c, equal_var=False) when x varies.
            "balance_p_value": float(stats.ttest_ind(xt, xc, equal_var=False).pvalue) if use_cuped else None,
        }
        e.update(common(default, unadj, hib))
        return e

    def segments(self, by, fewest=20):
        """The primary metric (the first events metric with rollup any) within each level of the
        customers column `by` (NULL as '(missing)'): the same estimate on the level's customers
        (theta pooled within the level), levels with fewer than `fewest` customers in an arm left
        out, Holm across the levels per variant, and Cochran's Q test of equal effects
        (scipy.stats.chi2.sf)."""
        d = next(d for d in self.defs if d.get("rollup") == "any" and not self.is_ratio(d))
        post, pre = self.base_values(d)
        rows = self.con.execute(f'SELECT customer_id, "{by}" FROM customers').fetchall()
        level_of = {id_key(r[0], "customers"): ("(missing)" if r[1] is None else str(r[1])) for r in rows}
        levels = sorted(set(level_of[k] for k in self.customers.index))
        out = []
        for arm in self.variants:
            found = []
            for level in levels:
                keys = [k for k in self.customers.index if level_of[k] == level]
                sub = self.customers.loc[keys]
                nt, nc = int((sub.arm == arm).sum()), int((sub.arm == self.control).sum())
                if min(nt, nc) < fewest:
                    continue
                saved = self.customers
                self.customers = sub
                e = self.mean_estimate(d["metric"], arm, post.reindex(sub.index), pre.reindex(sub.index), True)
                self.customers = saved
                found.append({"arm": arm, "level": level, "n_treatment": nt, "n_control": nc, "estimate": e["estimate"],
                              "low": e["low"], "high": e["high"], "p_value": e["p_value"], "se": e["se"]})
            if found:
                padj = multipletests([f["p_value"] for f in found], method="holm")[1]
                for f, p in zip(found, padj):
                    f["p_adjusted"] = float(p)
            if len(found) >= 2:
                w = np.array([1 / f["se"] ** 2 for f in found])
                y = np.array([f["estimate"] for f in found])
                q = float(np.sum(w * (y - np.sum(w * y) / np.sum(w)) ** 2))
                for f in found:
                    f["heterogeneity_p_value"] = float(stats.chi2.sf(q, len(found) - 1))
            out += found
        return out

    def quantile_estimate(self, name, arm, post, p):
        """P50/P90 among customers with a nonzero value: numpy's default (type 7) quantile per
        arm; its standard error from the distribution-free order-statistic interval (ranks
        l = binom.ppf(alpha/2, n, p), u = binom.ppf(1 - alpha/2, n, p) + 1, 1-based; Conover),
        SE = (x_(u) - x_(l)) / (2 z) (Price & Bonett 2001); difference with a z interval."""
        z = stats.norm.ppf(1 - ALPHA / 2)

        def arm_quantile(values):
            x = np.sort(values[values != 0])
            n = len(x)
            l = int(stats.binom.ppf(ALPHA / 2, n, p))
            u = int(stats.binom.ppf(1 - ALPHA / 2, n, p)) + 1
            if n < 2 or l < 1 or u > n:
                return None
            return float(np.quantile(x, p)), (x[u - 1] - x[l - 1]) / (2 * z), n

        t = arm_quantile(self.arm_values(post, arm).to_numpy(float))
        c = arm_quantile(self.arm_values(post, self.control).to_numpy(float))
        out = {"metric": name, "arm": arm, "p": p}
        if t is None or c is None:
            return out
        est, se = t[0] - c[0], math.sqrt(t[1] ** 2 + c[1] ** 2)
        out.update({"treatment": t[0], "control": c[0], "n_treatment": t[2], "n_control": c[2], "estimate": est,
                    "low": est - z * se, "high": est + z * se, "p_value": float(2 * stats.norm.sf(abs(est / se)))})
        return out

    def ratio_estimate(self, name, arm, pair, hib):
        t = self.arm_values(pair.N, arm).index
        c = self.arm_values(pair.N, self.control).index
        rt, vt = ratio_arm(pair.N.reindex(t).to_numpy(float), pair.D.reindex(t).to_numpy(float))
        rc, vc = ratio_arm(pair.N.reindex(c).to_numpy(float), pair.D.reindex(c).to_numpy(float))
        z = stats.norm.ppf(1 - ALPHA / 2)
        est = rt - rc
        se = math.sqrt(vt + vc)
        p = float(2 * stats.norm.sf(abs(est / se))) if se > 0 else math.nan
        rel = rt / rc - 1 if rc != 0 else math.nan
        rse = math.sqrt(vt / rc ** 2 + rt ** 2 * vc / rc ** 4) if rc != 0 else math.nan
        res = {"estimate": est, "se": se, "low": est - z * se, "high": est + z * se, "p_value": p,
               "relative": rel, "relative_se": rse, "relative_low": rel - z * rse, "relative_high": rel + z * rse}
        e = {"metric": name, "arm": arm, "kind": "ratio", "n_treatment": len(t), "n_control": len(c),
             "mean_treatment": rt, "mean_control": rc, "cuped": False, "theta": None, "df": None}
        e.update(common(res, res, hib))
        return e


def _ok(v):
    return v is not None and isinstance(v, (int, float)) and math.isfinite(v)


def welch(yt, yc):
    """Welch two-sample t on per-customer values; relative effect by the delta method."""
    nt, nc = len(yt), len(yc)
    out = dict.fromkeys(["estimate", "se", "df", "low", "high", "p_value", "relative", "relative_se",
                         "relative_low", "relative_high"], math.nan)
    if nt < 2 or nc < 2:
        if nt and nc:
            out["estimate"] = float(yt.mean() - yc.mean())
        return out
    mt, mc = float(yt.mean()), float(yc.mean())
    vt, vc = float(yt.var(ddof=1)) / nt, float(yc.var(ddof=1)) / nc
    est = mt - mc
    se = math.sqrt(vt + vc)
    out["estimate"], out["se"] = est, se
    if se > 0:
        df = (vt + vc) ** 2 / (vt ** 2 / (nt - 1) + vc ** 2 / (nc - 1))
        q = float(stats.t.ppf(1 - ALPHA / 2, df))
        res = stats.ttest_ind(yt, yc, equal_var=False)
        ci = res.confidence_interval(1 - ALPHA)
        # own Welch interval vs scipy's
        for mine, theirs, what in ((est / se, res.statistic, "t"), (df, res.df, "df"),
                                   (est - q * se, ci.low, "low"), (est + q * se, ci.high, "high")):
            if not math.isclose(mine, float(theirs), rel_tol=1e-9, abs_tol=1e-12 * max(1.0, abs(se))):
                raise AssertionError(f"Welch {what}: own {mine!r} vs scipy {float(theirs)!r}")
        out.update(df=df, low=est - q * se, high=est + q * se, p_value=float(res.pvalue))
        if mc != 0:
            rel = mt / mc - 1
            rse = math.sqrt(vt / mc ** 2 + mt ** 2 * vc / mc ** 4)
            out.update(relative=rel, relative_se=rse, relative_low=rel - q * rse, relative_high=rel + q * rse)
    return out


def ratio_arm(N, D):
    """r = sum N / sum D and its delta-method variance (Deng et al. 2018)."""
    n = len(N)
    if n < 2:
        return (N.sum() / D.sum() if n else math.nan), math.nan
    mN, mD = N.mean(), D.mean()
    sN2, sD2 = N.var(ddof=1), D.var(ddof=1)
    sND = np.cov(N, D, ddof=1)[0, 1]
    r = N.sum() / D.sum()
    var = (sN2 / mD ** 2 - 2 * mN * sND / mD ** 3 + mN ** 2 * sD2 / mD ** 4) / n
    return float(r), float(var)


def common(default, unadj, higher_is_better):
    out = {k: default[k] for k in ("estimate", "se", "low", "high", "p_value", "relative", "relative_se",
                                   "relative_low", "relative_high")}
    out.update(unadjusted_estimate=unadj["estimate"], unadjusted_low=unadj["low"],
               unadjusted_high=unadj["high"], unadjusted_p_value=unadj["p_value"])
    rel, s = default["relative"], default["relative_se"]
    if _ok(rel) and _ok(s) and s > 0:
        d = rel if higher_is_better else -rel
        out["chance_to_win"] = float(stats.norm.cdf(d / s))
        out["expected_loss"] = float(s * stats.norm.pdf(d / s) - d * stats.norm.cdf(-d / s))
    else:
        out["chance_to_win"] = out["expected_loss"] = math.nan
    return out


def cs_rho(alpha, tuning):
    # gbstats frequentist/tests.py sequential_rho (two-sided): eq 161 of arXiv:2103.06476v7
    return math.sqrt((-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / tuning)


def cs_halfwidth(s2, n, tuning, alpha):
    # gbstats frequentist/tests.py sequential_interval_halfwidth: eq 9 of Waudby-Smith et al.
    rho = cs_rho(alpha, tuning)
    return math.sqrt(s2) * math.sqrt(2 * (n * rho ** 2 + 1) * math.log(math.sqrt(n * rho ** 2 + 1) / alpha)
                                     / (n * rho) ** 2)


def clean(o):
    """numpy -> python, non-finite floats -> null (JSON has no NaN)."""
    if isinstance(o, dict):
        return {str(k): clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [clean(v) for v in o]
    if isinstance(o, (bool, np.bool_)):
        return bool(o)
    if isinstance(o, (int, np.integer)):
        return int(o)
    if isinstance(o, (float, np.floating)):
        f = float(o)
        return f if math.isfinite(f) else None
    return o


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--campaign", required=True)
    ap.add_argument("--as-of", dest="as_of")
    ap.add_argument("--zone", default="+08:00")
    ap.add_argument("--split")
    ap.add_argument("--tuning", type=float)
    ap.add_argument("--by", help="a customers column: the primary metric (first rollup-any metric) per level")
    ap.add_argument("--out")
    a = ap.parse_args(argv)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"scipy {scipy.__version__}, statsmodels {statsmodels.__version__}", file=sys.stderr)
    try:
        if not os.path.exists(a.db):
            raise InputError(f"no such database file: {a.db}")
        if a.as_of is not None:
            date_ns(a.as_of, "--as-of")
        split = None
        if a.split:
            try:
                split = [float(s) for s in a.split.split(",")]
            except ValueError:
                raise InputError(f"--split {a.split!r}: expected numbers like 50,25,25") from None
            if any(s <= 0 for s in split):
                raise InputError(f"--split {a.split!r}: parts must be positive")
        if a.tuning is not None and not a.tuning > 0:
            raise InputError("--tuning must be positive")
        readout = Readout(a.db, a.campaign, a.as_of, a.zone, split, a.tuning)
        result = readout.run()
        if a.by:
            result["segments"] = clean(readout.segments(a.by))
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    text = json.dumps(result, sort_keys=True, indent=2, allow_nan=False) + "\n"
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
