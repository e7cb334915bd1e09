"""Write a CampaignLab SQLite file's contract tables as Parquet for the Spark backend.

usage: python spark-load.py FILE.sqlite OUTDIR [--partitions N] [--typed]

Each contract table becomes OUTDIR/<table>/ (Parquet files), partitioned by a hash of
customer_id into N files (default 4) so that a customer's rows sit together and the cluster's
workers share the scans. Types follow each column's declared SQLite type: INTEGER -> bigint,
REAL/FLOAT/DOUBLE/NUMERIC -> double, anything else -> string (by way of CSV, so memory stays
flat; an empty text is read back as NULL). Run it with the Python of the
Spark venv (scripts/warehouse/spark-start.sh makes it): it starts a local Spark (no cluster).
The campaignlab backend then reads spark://HOST:PORT?parquet=OUTDIR.

--typed writes dates and times as a warehouse would type them: opened_on, starts_on and ends_on
as date, and occurred_at and assigned_at as timestamp (an instant) when every value has an
offset, else as timestamp_ntz (a wall-clock time). A month is the date of its last day; in a
bank whose events are instants, the instant its month begins in UTC+08:00 (the reporting zone).
"""
import argparse
import csv
import os
import shutil
import sqlite3
import sys
import time

TABLES = ["customers", "customer_months", "events", "campaigns", "assignments", "metric_definitions"]
DATES = {"opened_on", "starts_on", "ends_on"}
TIMES = {"occurred_at", "assigned_at"}


def instants(source, table, name):
    """Whether every value of the text column has an offset (Z or +HH:MM)."""
    (local,) = source.execute(
        f'SELECT count(*) FROM "{table}" WHERE NOT ("{name}" LIKE \'%Z\' OR substr("{name}", -6, 1) IN (\'+\', \'-\'))'
    ).fetchone()
    return local == 0


def typed(frame, table, source, F):
    """The frame with the contract's date, month and time columns typed (--typed)."""
    for name in frame.columns:
        if name in DATES:
            frame = frame.withColumn(name, F.to_date(name))
        elif name == "month" and table == "customer_months":
            if instants(source, "events", "occurred_at"):
                first = F.concat(F.col(name), F.lit("-01T00:00:00+08:00"))
                frame = frame.withColumn(name, first.cast("timestamp"))
            else:
                frame = frame.withColumn(name, F.last_day(F.to_date(F.concat(F.col(name), F.lit("-01")))))
        elif name in TIMES:
            frame = frame.withColumn(name, F.col(name).cast("timestamp" if instants(source, table, name) else "timestamp_ntz"))
    return frame


def spark_type(declared, T):
    d = (declared or "").upper()
    if "INT" in d:
        return T.LongType()
    if any(k in d for k in ("REAL", "FLOA", "DOUB", "NUMERIC", "DECIMAL")):
        return T.DoubleType()
    return T.StringType()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("database")
    parser.add_argument("out")
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--typed", action="store_true")
    args = parser.parse_args()

    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("campaignlab-spark-load")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(args.partitions))
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    source = sqlite3.connect(f"file:{args.database}?mode=ro", uri=True)
    os.makedirs(args.out, exist_ok=True)
    for table in TABLES:
        started = time.time()
        columns = source.execute(f"SELECT name, type FROM pragma_table_info('{table}') ORDER BY cid").fetchall()
        if not columns:
            continue
        schema = T.StructType([T.StructField(name, spark_type(declared, T), True) for name, declared in columns])
        names = ", ".join(f'"{name}"' for name, _ in columns)
        # Through CSV: Spark reads it in parallel and memory stays flat whatever the table's size.
        # Floats as repr() (the shortest text that reads back exactly); NULL as an empty field.
        # (Not a name starting with "." or "_": Spark skips those files as hidden.)
        staging = os.path.join(args.out, f"{table}.staging.csv")
        count = 0
        with open(staging, "w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            for row in source.execute(f'SELECT {names} FROM "{table}"'):
                writer.writerow(["" if v is None else repr(v) if isinstance(v, float) else v for v in row])
                count += 1
        # repr() writes an infinite float as inf or -inf (Spark's CSV default is Inf).
        frame = spark.read.csv(
            staging, schema=schema, header=False, mode="FAILFAST", positiveInf="inf", negativeInf="-inf", nanValue="nan"
        )
        if args.typed:
            frame = typed(frame, table, source, F)
        if "customer_id" in schema.fieldNames():
            frame = frame.repartition(args.partitions, "customer_id").sortWithinPartitions("customer_id")
        else:
            frame = frame.coalesce(1)
        target = os.path.join(args.out, table)
        shutil.rmtree(target, ignore_errors=True)
        frame.write.parquet(target)
        os.remove(staging)
        print(f"spark-load: {table:<20} {count:>9} rows {time.time() - started:6.2f} s", flush=True)
    spark.stop()


if __name__ == "__main__":
    sys.exit(main())
