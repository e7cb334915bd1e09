#!/usr/bin/env bash
# Times the post-campaign review's engine-capable analyses (uplift and yoy of growth_journey_2026)
# on one bank in three engines side by side: the SQLite file in process, PostgreSQL and a Spark
# cluster (2 workers) on loopback, each read through --backend. Loading is timed apart.
# usage: bench-engines.sh FILE.sqlite [campaign]
# Needs: the release build (.build/release/campaignlab), PostgreSQL and Spark started by
# pg-start.sh / spark-start.sh (PGPASSWORD in the environment), GNU time.
set -euo pipefail
DB=$1
CAMPAIGN=${2:-growth_journey_2026}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=$ROOT/.build/release/campaignlab
PORT=${CL_PG_PORT:-54329}
VENV=${CL_SPARK_VENV:-/tmp/campaignlab-spark/venv}
NAME=$(basename "$DB" .sqlite | tr -c 'a-zA-Z0-9\n' '_')
PARQUET=${CL_BENCH_PARQUET:-/tmp/campaignlab-bench-parquet}/$NAME
. "/tmp/campaignlab-pg-$PORT/env"
now() { date +%s.%N; }

t0=$(now)
psql -X -q -c "DROP SCHEMA IF EXISTS bench_$NAME CASCADE; CREATE SCHEMA bench_$NAME" >/dev/null
PGOPTIONS="-c search_path=bench_$NAME" sh "$HERE/pg-load.sh" "$DB" >/dev/null
t1=$(now)
"$VENV/bin/python" "$HERE/spark-load.py" "$DB" "$PARQUET" >/dev/null 2>&1
t2=$(now)
awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN{printf "load: PostgreSQL %.1f s, Spark Parquet %.1f s\n", b-a, c-b}'

PG="postgres://$PGUSER@127.0.0.1:$PORT/$PGDATABASE?schema=bench_$NAME"
SPARK="sc://127.0.0.1:15002?parquet=$PARQUET"
# Spark's first query of a session compiles and warms up its executors: one untimed run first.
"$BIN" yoy --backend "$SPARK" --campaign "$CAMPAIGN" --format json >/dev/null 2>&1 || true

printf "%-10s %-8s %10s %12s\n" engine command seconds "peak MB"
for cmd in uplift yoy; do
  for engine in sqlite postgres spark; do
    case $engine in
      sqlite) source=(--db "$DB") ;;
      postgres) source=(--backend "$PG") ;;
      spark) source=(--backend "$SPARK") ;;
    esac
    best=""
    for _ in 1 2 3; do
      /usr/bin/time -f "%e %M" -o /tmp/bench-engines.time "$BIN" $cmd "${source[@]}" --campaign "$CAMPAIGN" --format json \
        > "/tmp/bench-engines.$engine.$cmd.json" 2>/dev/null
      read -r seconds kb < /tmp/bench-engines.time
      if [ -z "$best" ] || awk -v a="$seconds" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$seconds; peak=$kb; fi
    done
    printf "%-10s %-8s %10s %12d\n" "$engine" "$cmd" "$best" $((peak / 1024))
  done
done
