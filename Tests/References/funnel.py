"""Reference values for Tests/CampaignLabNotebookTests/FunnelTests.swift: the funnel of
growth_journey_2026 on datasets/demo-small.sqlite (participants; steps assigned -> page_view ->
click -> enroll -> task_complete -> reward), recomputed with pandas and lifelines.

The rule (Sources/CampaignLabAnalyses/Campaign/CampaignFunnelAnalysis.swift): entry = assigned_at;
a step counts at the first occurrence of its event at or after the previous step's time, within
the window; events whose campaign_id is this campaign or NULL, from starts_on to the end of
ends_on; the window ends at min(end of the campaign's last day, data cut-off = where the data
end: the end of the campaign's last day when events of any kind reach that day, else the latest
event of any kind). Time to convert = days from entry to 'reward'; others censored at their window end.
KM: lifelines KaplanMeierFitter (log-log confidence intervals, its default); quantile:
qth_survival_time; log-rank across segments: multivariate_logrank_test.
Writes Tests/References/funnel_demo_small.json. Run: python3 Tests/References/funnel.py
"""
import json
import sqlite3

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

con = sqlite3.connect("file:datasets/demo-small.sqlite?mode=ro", uri=True)
CAMPAIGN = "growth_journey_2026"
STEPS = ["assigned", "page_view", "click", "enroll", "task_complete", "reward"]
starts, ends, control = con.execute("SELECT starts_on, ends_on, control_arm FROM campaigns WHERE campaign_id = ?", (CAMPAIGN,)).fetchone()
end_next = (pd.Timestamp(ends) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
people = pd.read_sql_query("""SELECT a.customer_id, a.assigned_at, c.segment FROM assignments a LEFT JOIN customers c USING (customer_id)
    WHERE a.campaign_id = ? AND a.arm <> ? ORDER BY a.customer_id""", con, params=(CAMPAIGN, control))
ev = pd.read_sql_query(f"""SELECT customer_id, event, occurred_at FROM events WHERE event IN ({",".join("?" * 5)})
    AND (campaign_id = ? OR campaign_id IS NULL) AND occurred_at >= ? AND occurred_at < ?""", con,
                       params=STEPS[1:] + [CAMPAIGN, starts, end_next])
secs = lambda s: pd.to_datetime(s).astype("int64") / 1e9
ev["t"] = secs(ev.occurred_at)
ev["step"] = ev.event.map({s: i for i, s in enumerate(STEPS)})
campaign_end = pd.Timestamp(end_next).value / 1e9
every_t = secs(pd.read_sql_query("SELECT occurred_at FROM events", con).occurred_at)
data_end = campaign_end if (every_t >= campaign_end - 86400).any() else every_t[every_t < campaign_end].max()
cutoff = max(ev.t.max(), data_end)
people["entry"] = secs(people.assigned_at)
by_customer = {k: g.sort_values(["t", "step"]) for k, g in ev.groupby("customer_id")}
reached = [0] * len(STEPS)
durations, observed = [], []
for r in people.itertuples():
    window_end = min(campaign_end, cutoff)
    at, nxt = r.entry, 1
    reached[0] += 1
    g = by_customer.get(r.customer_id)
    if g is not None:
        for e in g.itertuples():
            if nxt < len(STEPS) and e.step == nxt and e.t >= at and e.t <= window_end:
                at, nxt = e.t, nxt + 1
                reached[nxt - 1] += 1
    done = nxt == len(STEPS)
    durations.append(max(0.0, ((at if done else window_end) - r.entry) / 86400))
    observed.append(done)
durations, observed = np.array(durations), np.array(observed)
kmf = KaplanMeierFitter().fit(durations, observed)


def at(frame, t):
    return frame[frame.index <= t].iloc[-1]


out = {"reached": reached}
for day in (7, 30):
    s = float(at(kmf.survival_function_, day).iloc[0])
    ci = at(kmf.confidence_interval_, day)
    out[f"converted_by_{day}"] = {"estimate": 1 - s, "low": 1 - float(ci.iloc[1]), "high": 1 - float(ci.iloc[0])}
out["q25_days"] = float(kmf.percentile(0.75))
lr = multivariate_logrank_test(durations, people.segment.fillna("(missing)").values, observed)
out["logrank"] = {"statistic": float(lr.test_statistic), "p": float(lr.p_value)}
with open("Tests/References/funnel_demo_small.json", "w") as f:
    json.dump(out, f, indent=1)
print(json.dumps(out, indent=1))
