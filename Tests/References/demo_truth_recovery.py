"""Checks that the demo bank's ground truth is recoverable by honest methods.

Usage: python3 Tests/References/demo_truth_recovery.py demo.sqlite

For both growth-journey campaigns and every months metric (aum, products_held, app_logins),
prints the true ATT (table ground_truth) against:
  naive post diff   mean over the campaign months, participants - non-participants (Welch CI)
  DiD               (post - pre) participants - (post - pre) non-participants (Welch CI)
  OLS HC1           post ~ participant + pre-period means of all three metrics + segment,
                    age_band, region, channel dummies; HC1 standard errors
  IPW-ATT           WLS of post on participant, non-participants weighted e/(1-e), e from a
                    logistic model in log1p of the pre-period means + the dimensions; HC1
  AIPW              doubly robust ATT: IPW of the residual from an OLS outcome model fitted
                    on non-participants (influence-function SE, propensity treated as known)
and the naive "participants' growth was N x non-participants'" multiples (within the year and
year over year) next to the honest multiple growth_P / (growth_P - ATT). Then the market factor
and the page test. Python is for verification only; CampaignLab never runs it.
Needs pandas, numpy, statsmodels.
"""
import sqlite3
import sys

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf

Z = 1.959963984540054
METRICS = ["aum", "products_held", "app_logins"]


def month_shift(month, k):
    y, m = map(int, month.split("-"))
    i = y * 12 + m - 1 + k
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def welch(a, b):
    d = a.mean() - b.mean()
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return d, se


def fmt(est, se, truth):
    lo, hi = est - Z * se, est + Z * se
    ok = "ok " if lo <= truth <= hi else "MISS"
    return f"{est:14.4f} [{lo:12.4f}, {hi:12.4f}] {ok}"


def campaign_frame(con, campaign):
    start, = con.execute("SELECT starts_on FROM campaigns WHERE campaign_id = ?", (campaign,)).fetchone()
    first = start[:7]
    pre = [month_shift(first, -2), month_shift(first, -1)]
    post = [first, month_shift(first, 1)]
    cols = ", ".join(
        f"avg(CASE WHEN m.month IN ('{pre[0]}','{pre[1]}') THEN m.{x} END) AS pre_{x}, "
        f"avg(CASE WHEN m.month IN ('{post[0]}','{post[1]}') THEN m.{x} END) AS post_{x}"
        for x in METRICS)
    sql = f"""
        SELECT a.customer_id, a.arm = 'participant' AS d, c.segment, c.age_band, c.region, c.channel, {cols}
        FROM assignments a JOIN customers c USING (customer_id)
        JOIN customer_months m ON m.customer_id = a.customer_id AND m.month IN ('{pre[0]}','{pre[1]}','{post[0]}','{post[1]}')
        WHERE a.campaign_id = ? GROUP BY a.customer_id"""
    return pd.read_sql_query(sql, con, params=(campaign,)), pre, post


def analyse(con, campaign):
    df, pre, post = campaign_frame(con, campaign)
    truth = {r[0]: r[1] for r in con.execute(
        "SELECT metric, true_value FROM ground_truth WHERE campaign_id = ? AND estimand = 'ATT' AND dimension IS NULL",
        (campaign,))}
    n1, n0 = int(df.d.sum()), int((1 - df.d).sum())
    print(f"\n== {campaign}: {n1} participants, {n0} non-participants ({100 * n1 / (n1 + n0):.1f}%); "
          f"pre {pre[0]}..{pre[1]}, post {post[0]}..{post[1]}")
    p, np_ = df[df.d == 1], df[df.d == 0]
    print(f"   pre-period means, participants vs non-participants: "
          + ", ".join(f"{x} {p['pre_' + x].mean():.2f} vs {np_['pre_' + x].mean():.2f}" for x in METRICS))

    for x in ["pre_aum", "pre_app_logins"]:
        df["l_" + x] = np.log1p(df[x])
    dims = "C(segment) + C(age_band) + C(region) + C(channel)"
    ps = smf.logit(f"d ~ l_pre_aum + l_pre_app_logins + pre_products_held + {dims}", df).fit(disp=0)
    e = ps.predict(df).clip(1e-6, 1 - 1e-6)
    w = np.where(df.d == 1, 1.0, e / (1 - e))
    covs = "pre_aum + pre_products_held + pre_app_logins + " + dims

    for x in METRICS:
        t = truth[x]
        y, y0 = df["post_" + x], df["pre_" + x]
        print(f"  {x:14s} truth {t:14.4f}")
        d, se = welch(y[df.d == 1], y[df.d == 0])
        print(f"    naive post diff {fmt(d, se, t)}")
        dd = y - y0
        d, se = welch(dd[df.d == 1], dd[df.d == 0])
        print(f"    DiD             {fmt(d, se, t)}")
        ols = smf.ols(f"post_{x} ~ d + {covs}", df).fit(cov_type="HC1")
        print(f"    OLS HC1         {fmt(ols.params['d'], ols.bse['d'], t)}")
        ipw = sm.WLS(y, sm.add_constant(df.d.astype(float)), weights=w).fit(cov_type="HC1")
        print(f"    IPW-ATT         {fmt(ipw.params['d'], ipw.bse['d'], t)}")
        om = smf.ols(f"post_{x} ~ {covs}", df[df.d == 0]).fit()
        r = y - om.predict(df)
        r1, r0, w0 = r[df.d == 1], r[df.d == 0], w[df.d == 0]
        m0 = np.sum(w0 * r0) / np.sum(w0)
        est = r1.mean() - m0
        se = np.sqrt(r1.var(ddof=1) / len(r1) + np.sum(w0 ** 2 * (r0 - m0) ** 2) / np.sum(w0) ** 2)
        print(f"    AIPW            {fmt(est, se, t)}")
        g1, g0 = dd[df.d == 1].mean(), dd[df.d == 0].mean()
        print(f"    within-year growth: participants {g1:.4f}, non-participants {g0:.4f} -> naive multiple "
              f"{g1 / g0 if g0 else float('nan'):.2f}x (honest {g1 / (g1 - t):.2f}x)")
    return df


def main(path):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    info = dict(con.execute("SELECT key, value FROM demo_info"))
    print(f"{path}: seed {info['seed']}, {info['customers']} customers, {info['first_month']}..{info['last_month']}")
    ids = [r[0] for r in con.execute(
        "SELECT campaign_id FROM campaigns WHERE design = 'observational' ORDER BY starts_on DESC")]
    frames = {c: analyse(con, c) for c in ids}

    # Year over year: the activity factor against the market factor.
    now, before = ids[0], ids[1]
    a, b = frames[now], frames[before]
    both = a.merge(b[["customer_id", "d"] + [f"post_{x}" for x in METRICS]], on="customer_id", suffixes=("", "_ly"))
    print(f"\n== year over year ({now} vs {before}), {len(both)} customers eligible for both")
    for x in METRICS:
        mg = con.execute("SELECT true_value FROM ground_truth WHERE campaign_id = ? AND metric = ? AND estimand = 'market_growth'",
                         (now, x)).fetchone()[0]
        att = con.execute("SELECT true_value FROM ground_truth WHERE campaign_id = ? AND metric = ? AND estimand = 'ATT' "
                          "AND dimension IS NULL", (now, x)).fetchone()[0]
        g = both[f"post_{x}"] - both[f"post_{x}_ly"]
        p, q = both.d == 1, (both.d == 0) & (both.d_ly == 0)
        g1, g0 = g[p].mean(), g[q].mean()
        ratio_np = both.loc[q, f"post_{x}"].mean() / both.loc[q, f"post_{x}_ly"].mean()
        print(f"  {x:14s} market_growth truth {mg:.4f}; non-participants (both years) YoY ratio {ratio_np:.4f}; "
              f"YoY growth P {g1:.3f} vs NP {g0:.3f} -> naive multiple {g1 / g0:.2f}x (honest {g1 / (g1 - att):.2f}x)")

    # Page test.
    test = con.execute("SELECT campaign_id, starts_on, ends_on FROM campaigns WHERE design = 'randomized'").fetchone()
    tid, s, e = test
    df = pd.read_sql_query(f"""
        SELECT a.customer_id, a.arm,
          max(ev.event = 'purchase') AS conv,
          coalesce(sum(CASE WHEN ev.event = 'purchase' THEN ev.value END), 0) AS amount,
          coalesce(sum(ev.event = 'page_view'), 0) AS pv, coalesce(sum(ev.event = 'click'), 0) AS clicks
        FROM assignments a LEFT JOIN events ev ON ev.customer_id = a.customer_id
          AND ev.occurred_at >= '{s}' AND ev.occurred_at < date('{e}', '+1 day')
        WHERE a.campaign_id = ? GROUP BY a.customer_id, a.arm""", con, params=(tid,))
    df["conv"] = df.conv.fillna(0)
    print(f"\n== {tid}: arms " + ", ".join(f"{k} {v}" for k, v in df.arm.value_counts().sort_index().items()))
    c = df[df.arm == "control"]
    for arm in ["variant_a", "variant_b"]:
        v = df[df.arm == arm]
        for metric, est_se in [
            ("purchase_conversion", welch(v.conv, c.conv)),
            ("purchase_amount", welch(v.amount, c.amount)),
        ]:
            t = con.execute("SELECT true_value FROM ground_truth WHERE campaign_id = ? AND metric = ? AND arm = ?",
                            (tid, metric, arm)).fetchone()[0]
            print(f"  {arm} {metric:20s} truth {t:10.4f} est {fmt(*est_se, t)}")
        # ctr: delta method for a ratio of sums per arm.
        def ratio(g):
            n, mx, my = len(g), g.clicks.mean(), g.pv.mean()
            r = mx / my
            var = (g.clicks.var() - 2 * r * np.cov(g.clicks, g.pv)[0, 1] + r * r * g.pv.var()) / (n * my * my)
            return r, var
        (rv, vv), (rc, vc) = ratio(v), ratio(c)
        t = con.execute("SELECT true_value FROM ground_truth WHERE campaign_id = ? AND metric = 'ctr' AND arm = ?",
                        (tid, arm)).fetchone()[0]
        print(f"  {arm} {'ctr':20s} truth {t:10.4f} est {fmt(rv - rc, np.sqrt(vv + vc), t)}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "datasets/demo.sqlite")
