"""Builds the edge-case databases of /tmp/base-funnel-edge (edge1..edge5, see README.md)."""
import os
import sqlite3

HERE = os.path.dirname(os.path.abspath(__file__))


def make(name, months_cols, customers, months, events):
    path = os.path.join(HERE, name)
    if os.path.exists(path):
        os.remove(path)
    con = sqlite3.connect(path)
    # untyped id columns: an INTEGER stays INTEGER, a TEXT stays TEXT
    con.execute("CREATE TABLE customers(customer_id PRIMARY KEY, opened_on TEXT NOT NULL, segment TEXT)")
    con.execute(f"CREATE TABLE customer_months(customer_id NOT NULL, month TEXT NOT NULL, {months_cols}, "
                "PRIMARY KEY(customer_id, month))")
    con.execute("CREATE TABLE events(customer_id NOT NULL, event TEXT NOT NULL, occurred_at TEXT NOT NULL, "
                "value REAL, campaign_id TEXT)")
    con.executemany("INSERT INTO customers VALUES (?,?,?)", customers)
    ncol = len(months[0]) if months else 0
    con.executemany(f"INSERT INTO customer_months VALUES ({','.join('?' * ncol)})", months)
    con.executemany("INSERT INTO events VALUES (?,?,?,NULL,?)", events)
    con.commit()
    con.close()


# edge1: months rules (default A = R = months:app_logins>0), revenue events:purchase,
# referral none; 17 (INTEGER) == '17' (TEXT); data start of purchase 2026-07-10.
make("edge1.sqlite", "app_logins INTEGER",
     [(1, "2026-07-15", "a"), (2, "2026-07-05", "a"), (17, "2026-08-02", "b"), ("18", "2026-07-20", "b"),
      (4, "2026-09-30", "a"), (5, "2026-10-01", "a"), (6, "2026-07-10", "b"), (7, "2026-01-10", "a"),
      (8, "not a date", "a")],
     [(7, "2026-06", 1),                                    # whole-table data start 2026-06
      (1, "2026-07", 3), (1, "2026-08", 0), (1, "2026-09", 2),
      (2, "2026-07", 5), (2, "2026-08", 5), (2, "2026-09", 5),
      ("17", "2026-08", 1), ("17", "2026-09", 5),
      (18, "2026-07", None), (18, "2026-08", 1), (18, "2026-09", 0), (18, "2026-10", 4),
      (6, "2026-07", 1),
      (8, "2026-07", 1),
      (99, "2026-07", 9)],                                  # orphan
     [(7, "purchase", "2026-07-10 09:00:00", None),        # data start of purchase
      (1, "purchase", "2026-09-01 00:00:00", "c1"),        # = a (retention time): counts, 0 days
      ("17", "purchase", "2026-09-10 12:00:00", None),
      (2, "purchase", "2026-09-10 12:00:00", None),
      (18, "purchase", "2026-09-30 23:59:59", None),       # 18 never retained -> irrelevant
      (6, "purchase", "2026-07-10 10:00:00", None),
      (99, "purchase", "2026-08-01 00:00:00", None)])      # orphan

# edge2: events rules, time zones and the cut-off.
# --activation events:signup_click --retention events:app_login --revenue events:purchase --referral none
make("edge2.sqlite", "app_logins INTEGER",
     [(1, "2026-07-15", "a"), (2, "2026-07-15", "b"), (3, "2026-08-10", "a"), (4, "2026-09-01", "b"),
      (5, "2026-08-31", "a"), (6, "2026-07-01", "b"), (9, "2026-01-01", "a")],
     [(9, "2026-01", 1)],
     [(9, "signup_click", "2026-06-01 10:00:00", None), (9, "app_login", "2026-06-01 10:00:00", None),
      (9, "purchase", "2026-06-01 10:00:00", None),
      (1, "signup_click", "2026-07-15 00:00:00", "x"),     # same day as opening, 00:00 -> 0 days
      (1, "app_login", "2026-07-31 23:59:59", None),       # same month as activation: no
      (1, "app_login", "2026-08-01 00:00:00", None),       # 1st of next month 00:00 local: yes
      (1, "purchase", "2026-08-01 00:00:00", None),        # = a: counts, 0 days
      (2, "signup_click", "2026-07-15T01:30:00Z", None),   # local 09:30 same day
      (2, "app_login", "2026-07-31T16:30:00Z", None),      # local 2026-08-01 00:30: counts
      (2, "purchase", "2026-09-30T16:00:00Z", None),       # local 2026-10-01 00:00 = C: no
      (2, "purchase", "2026-10-01 00:00:00", None),        # = C: no
      (3, "signup_click", "2026-08-09 23:00:00", None),    # before E: no
      (3, "signup_click", "2026-08-09T20:00:00-04:00", None),  # local 2026-08-10 08:00: yes
      (3, "app_login", "2026-08-20 10:00:00", None),       # same month: no
      (3, "app_login", "2026-09-15T10:00:00+05:30", None), # local 12:30
      (3, "purchase", "2026-09-15 12:00:00", None),        # before a: no
      (3, "purchase", "2026-09-15 12:30:00", None),        # = a: yes, 0 days
      (4, "signup_click", "2026-09-30 23:59:59", None),    # last second before C
      (5, "signup_click", "2026-08-31T17:00:00Z", None),   # local 2026-09-01 01:00 (September!)
      (5, "app_login", "2026-09-20 10:00:00", None)])      # same (local) month: no

# edge3: no app_logins column -> A = R = events:app_login; referral default dropped (no rows);
# K = 2; TEXT ids; year earlier populated; an entrant before purchase's data start.
make("edge3.sqlite", "balance REAL",
     [("C1", "2025-04-20", "web"), ("C2", "2025-05-01", "web"), ("C3", "2025-06-10", None),
      ("C4", "2025-09-30", "app"), ("C5", "2026-04-05", "app"), ("C6", "2026-05-20", "web"),
      ("C7", "2026-09-12", None), (42, "2026-06-30", "app")],
     [("C1", "2025-04", 10.0)],
     [("C1", "app_login", "2025-03-15 08:00:00", None),    # data start app_login 2025-03-15
      ("C1", "app_login", "2025-04-21 08:00:00", None),
      ("C2", "purchase", "2025-05-01 00:00:00", None),     # data start purchase 2025-05-01
      ("C2", "app_login", "2025-05-01 12:00:00", None),
      ("C2", "app_login", "2025-06-01 12:00:00", None),
      ("C2", "purchase", "2025-06-03 12:00:00", None),
      ("C3", "app_login", "2025-06-10T04:00:00Z", None),   # local 12:00
      ("C3", "app_login", "2025-07-01T00:00:00+08:00", None),
      ("C4", "app_login", "2025-10-01 00:00:00", None),    # = year-earlier C: no (there)
      ("C4", "app_login", "2025-11-02 00:00:00", None),
      ("C5", "app_login", "2026-04-05 10:00:00", None),
      ("C5", "app_login", "2026-05-03 10:00:00", None),
      ("C5", "purchase", "2026-05-04 10:00:00", None),
      ("C6", "app_login", "2026-06-01 09:00:00", None),
      ("C6", "app_login", "2026-06-30 09:00:00", None),    # same month: no
      ("42", "app_login", "2026-07-01 00:00:00", None),    # TEXT '42' == INTEGER 42
      ("42", "app_login", "2026-08-15 00:00:00", None),
      (42, "purchase", "2026-08-15 06:00:00", None),
      ("C7", "app_login", "2026-09-12 08:00:00", None)])

# edge4 (spec v2 points 1, 3, 4, 5): --quarters 2 --activation events:signup_click; retention
# defaults to the activation rule; purchase data start 2025-08-01 (after the year-earlier window's
# first day 2025-04-01 -> year-earlier funnel cut before revenue); referral data start 2026-05-01
# (clips the current cohort only); the events end 2026-09-20 15:00 local -> cut-off there.
make("edge4.sqlite", "app_logins INTEGER",
     [("X", "2024-12-01", "a"),                            # outside both windows: holds the data starts
      ("A1", "2026-04-20", "a"), ("A2", "2026-05-01", "a"), ("A3", "2026-06-15", "b"),
      ("A4", "2026-09-10", "a"), ("A5", "2026-07-01", "b"), ("A6", "2026-05-10", "a"),
      ("A7", "2026-09-25", "b"), ("A8", "2026-09-20", "b"),
      ("B1", "2025-04-10", "a"), ("B2", "2025-06-01", "b"), ("B3", "2025-09-15", "a"),
      ("B4", "2025-04-01", "b")],
     [("X", "2025-01", 1)],
     [("X", "signup_click", "2025-03-31T16:30:00Z", None),   # local 2025-04-01 00:30: data start = W' first day (kept)
      ("X", "purchase", "2025-08-01 09:00:00", None),        # data start purchase 2025-08-01 (> 2025-04-01)
      ("X", "referral", "2026-05-01 09:00:00", None),        # data start referral 2026-05-01
      ("X", "page_view", "2026-09-20T07:00:00Z", None),      # local 2026-09-20 15:00: the latest event = C
      ("A1", "signup_click", "2026-04-20 10:00:00", None),   # A1 opened before entry_from 2026-05-01
      ("A2", "signup_click", "2026-05-01 10:00:00", None),
      ("A2", "signup_click", "2026-06-02 00:00:00", None),
      ("A2", "purchase", "2026-06-02 12:00:00", None),
      ("A2", "referral", "2026-09-20 14:59:59", None),       # one second before C: counts
      ("A3", "signup_click", "2026-06-15 08:00:00", None),
      ("A3", "signup_click", "2026-07-01 08:00:00", None),
      ("A3", "purchase", "2026-09-20 15:00:00", None),       # = C: does not count
      ("A5", "signup_click", "2026-07-01 00:00:00", None),
      ("A5", "signup_click", "2026-08-01 00:00:00", None),
      ("A5", "purchase", "2026-08-01 06:00:00", None),
      ("B1", "signup_click", "2025-04-10 12:00:00", None),
      ("B1", "signup_click", "2025-05-03 00:00:00", None),
      ("B1", "purchase", "2025-08-02 10:00:00", None),       # revenue is cut from the year earlier
      ("B2", "signup_click", "2025-06-20 00:00:00", None)])

# edge5 (spec v2 point 3, months branch and the minimum): defaults (A = R = months:app_logins>0),
# --revenue months:products_held>0, referral default events:referral; --quarters 1.
# customer_months of known customers end 2026-08 -> data end 2026-09-01; the events reach Q's
# last day (2026-09-30 00:00 local) -> no limit from them; C = 2026-09-01.
make("edge5.sqlite", "app_logins INTEGER, products_held INTEGER",
     [("D1", "2026-07-05", "a"), ("D2", "2026-07-20", "b"), ("D3", "2026-08-25", "a"),
      ("D4", "2026-09-05", "b"), ("D5", "2026-09-01", "a"), ("D6", "2026-07-01", "b"),
      ("E1", "2025-07-10", "a"), ("E2", "2025-08-15", "b"), ("E3", "2025-06-20", "a")],
     [("E3", "2025-06", 1, 0),                              # months data start 2025-06-01
      ("E1", "2025-07", 2, 0), ("E1", "2025-08", 3, 1),
      ("E2", "2025-09", 1, 0),
      ("D1", "2026-07", 2, 0), ("D1", "2026-08", 1, 2),
      ("D2", "2026-07", 0, 0), ("D2", "2026-08", 4, 0),
      ("D6", "2026-07", 1, 0), ("D6", "2026-08", 1, 0),
      ("99", "2026-09", 5, 5)],                             # orphan: not part of the data end
     [("E1", "referral", "2025-07-15 10:00:00", None),       # data start referral 2025-07-15 (> 2025-07-01)
      ("D1", "referral", "2026-08-20 10:00:00", None),
      ("D6", "referral", "2026-09-29T16:00:00Z", None)])     # local 2026-09-30 00:00: Q's last day
