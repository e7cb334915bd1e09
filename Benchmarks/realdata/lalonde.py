"""LaLonde's NSW job-training data as a CampaignLab bank (real public data, for checking the
uplift on data the project did not make). Needs `pip install causaldata pandas`.

Usage: python3 Benchmarks/realdata/lalonde.py --out lalonde.sqlite [--comparison nsw|cps]

* `--comparison nsw` (default): the experiment — NSW participants against NSW's randomized
  controls (campaign `nsw`, design 'randomized', control arm 'control').
* `--comparison cps`: the observational version of Dehejia & Wahba — NSW participants against
  CPS men (campaign `nsw_cps`, design 'observational', control arm 'non_participant'). The
  experiment's answer, about $1,794 for re78, is the benchmark an honest method should find.

Contract mapping: one customer per person (TEXT ids 'P00001'); customers columns age, educ
(numbers) and black, hisp, marr, nodegree (0/1: categories) and re74 (1974 earnings, a number);
customer_months metric `earnings`: 1978-11 holds re75 (the pre-period), 1978-12 holds re78
(the campaign month; the campaign runs 1978-12-01..1978-12-31). Python is for building the
file only; CampaignLab never runs it.
"""
import argparse
import os
import sqlite3

import causaldata.cps_mixtape as cps
import causaldata.nsw_mixtape as nsw


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--comparison", choices=["nsw", "cps"], default="nsw")
    a = p.parse_args()
    people = nsw.load_pandas().data
    if a.comparison == "cps":
        people = people[people.treat == 1]
        controls = cps.load_pandas().data.copy()
        controls["treat"] = 0
        people = people._append(controls, ignore_index=True) if hasattr(people, "_append") else people.append(controls)
    people = people.reset_index(drop=True)
    campaign = "nsw" if a.comparison == "nsw" else "nsw_cps"
    control = "control" if a.comparison == "nsw" else "non_participant"
    design = "randomized" if a.comparison == "nsw" else "observational"
    if os.path.exists(a.out):
        os.remove(a.out)
    db = sqlite3.connect(a.out)
    db.executescript("""
        CREATE TABLE customers (customer_id TEXT PRIMARY KEY, opened_on TEXT NOT NULL, age INTEGER, educ INTEGER,
                                black INTEGER, hisp INTEGER, marr INTEGER, nodegree INTEGER, re74 REAL);
        CREATE TABLE customer_months (customer_id TEXT NOT NULL, month TEXT NOT NULL, earnings REAL,
                                      PRIMARY KEY (customer_id, month));
        CREATE TABLE campaigns (campaign_id TEXT PRIMARY KEY, name TEXT NOT NULL, design TEXT NOT NULL,
                                starts_on TEXT NOT NULL, ends_on TEXT NOT NULL, control_arm TEXT NOT NULL);
        CREATE TABLE assignments (campaign_id TEXT NOT NULL, customer_id TEXT NOT NULL, arm TEXT NOT NULL,
                                  assigned_at TEXT NOT NULL, PRIMARY KEY (campaign_id, customer_id));
        CREATE TABLE metric_definitions (metric TEXT PRIMARY KEY, label TEXT, unit TEXT, source TEXT, rollup TEXT,
                                         event TEXT, numerator TEXT, denominator TEXT, higher_is_better INTEGER);
        INSERT INTO metric_definitions VALUES ('earnings', 'Annual earnings (USD)', 'USD', 'months', 'mean', NULL, NULL, NULL, 1);
        """)
    db.execute("INSERT INTO campaigns VALUES (?, 'National Supported Work', ?, '1978-12-01', '1978-12-31', ?)",
               (campaign, design, control))
    for i, r in people.iterrows():
        cid = f"P{i + 1:05d}"
        db.execute("INSERT INTO customers VALUES (?, '1974-01-01', ?, ?, ?, ?, ?, ?, ?)",
                   (cid, int(r.age), int(r.educ), int(r.black), int(r.hisp), int(r.marr), int(r.nodegree), float(r.re74)))
        db.execute("INSERT INTO customer_months VALUES (?, '1978-11', ?)", (cid, float(r.re75)))
        db.execute("INSERT INTO customer_months VALUES (?, '1978-12', ?)", (cid, float(r.re78)))
        db.execute("INSERT INTO assignments VALUES (?, ?, ?, '1978-12-01')",
                   (campaign, cid, "participant" if r.treat == 1 else control))
    db.commit()
    print(f"{a.out}: {len(people)} people, {int(people.treat.sum())} participants, campaign {campaign}")


if __name__ == "__main__":
    main()
