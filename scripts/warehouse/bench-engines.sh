#!/usr/bin/env bash
# Times the post-campaign review — the whole notebook rendered, then its analyses one by one
# (uplift, yoy, funnel) — the A/B readout (CL_BENCH_READOUT, default page_ab_2026), the
# quarterly health checkup and the data-quality check — on one bank in three engines side by side:
# the SQLite file in process, PostgreSQL and a Spark cluster (2 workers) on loopback, each read
# through --backend. Loading is timed apart, and skipped when the engine already holds this
# file's tables (a marker with the file's size and time).
# usage: bench-engines.sh FILE.sqlite [campaign] [runs]
# Needs: the release build (.build/release/campaignlab), PostgreSQL and Spark started by
# pg-start.sh / spark-start.sh (PGPASSWORD in the environment), GNU time.
# Prints one table: engine, command, seconds (best of `runs`, default 1), peak resident MB.
set -euo pipefail
DB=$1
CAMPAIGN=${2:-growth_journey_2026}
READOUT=${CL_BENCH_READOUT:-page_ab_2026}
RUNS=${3:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=$ROOT/.build/release/campaignlab
PORT=${CL_PG_PORT:-54329}
VENV=${CL_SPARK_VENV:-/tmp/campaignlab-spark/venv}
NAME=$(basename "$DB" .sqlite | tr -c 'a-zA-Z0-9\n' '_')
PARQUET=${CL_BENCH_PARQUET:-/tmp/campaignlab-bench-parquet}/$NAME
. "/tmp/campaignlab-pg-$PORT/env"
now() { date +%s.%N; }
STAMP=$(stat -c '%s-%Y' "$DB")

# PostgreSQL: a schema per bank; the marker is a comment on it.
if [ "$(psql -X -tA -c "SELECT obj_description('bench_$NAME'::regnamespace)" 2>/dev/null || true)" != "$STAMP" ]; then
  t0=$(now)
  psql -X -q -c "DROP SCHEMA IF EXISTS bench_$NAME CASCADE; CREATE SCHEMA bench_$NAME" >/dev/null
  PGOPTIONS="-c search_path=bench_$NAME" sh "$HERE/pg-load.sh" "$DB" >/dev/null
  psql -X -q -c "COMMENT ON SCHEMA bench_$NAME IS '$STAMP'" >/dev/null
  awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "load: PostgreSQL %.1f s\n", b-a}'
fi
# Spark: Parquet folders; the marker is a file beside them.
if [ "$(cat "$PARQUET/.stamp" 2>/dev/null || true)" != "$STAMP" ]; then
  t0=$(now)
  "$VENV/bin/python" "$HERE/spark-load.py" "$DB" "$PARQUET" >/dev/null 2>&1
  echo "$STAMP" > "$PARQUET/.stamp"
  awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "load: Spark Parquet %.1f s\n", b-a}'
fi

PG="postgres://$PGUSER@127.0.0.1:$PORT/$PGDATABASE?schema=bench_$NAME"
SPARK="sc://127.0.0.1:15002?parquet=$PARQUET"
OUT=${CL_BENCH_OUT:-/tmp/campaignlab-bench-engines}
mkdir -p "$OUT"
# Spark's first query of a session compiles and warms up its executors: one untimed run first.
"$BIN" yoy --backend "$SPARK" --campaign "$CAMPAIGN" --format json --out "$OUT/warm" --quiet >/dev/null 2>&1 || true

printf "%-10s %-8s %10s %10s\n" engine command seconds "peak MB"
for cmd in review uplift yoy funnel readout health check; do
  for engine in sqlite postgres spark; do
    case $engine in
      sqlite) source=(--db "$DB") ;;
      postgres) source=(--backend "$PG") ;;
      spark) source=(--backend "$SPARK") ;;
    esac
    case $cmd in
      review) args=(render "$ROOT/notebooks-md/post-campaign-review.md" "${source[@]}" --param "campaign=$CAMPAIGN"
                    --format html,json --out "$OUT/$engine") ;;
      check) args=(check "${source[@]}" --json) ;;
      readout) args=(readout "${source[@]}" --campaign "$READOUT" --format json --out "$OUT/$engine") ;;
      health) args=(health "${source[@]}" --format html,json --out "$OUT/$engine") ;;
      *) args=("$cmd" "${source[@]}" --campaign "$CAMPAIGN" --format json --out "$OUT/$engine") ;;
    esac
    best=""
    for _ in $(seq "$RUNS"); do
      status=0
      /usr/bin/time -f "%e %M" -o "$OUT/time" "$BIN" "${args[@]}" --quiet > "$OUT/$engine.$cmd.out" 2> "$OUT/$engine.$cmd.err" || status=$?
      # (GNU time writes "Command exited with non-zero status N" first when it is not 0.)
      read -r seconds kb < <(tail -n 1 "$OUT/time")
      # check exits 8 when it finds errors: that is a result, not a failure.
      if [ "$status" != 0 ] && ! { [ "$cmd" = check ] && [ "$status" = 8 ]; }; then
        printf "%-10s %-8s %10s %10s  (exit %s: %s)\n" "$engine" "$cmd" failed - "$status" "$(head -c 200 "$OUT/$engine.$cmd.err")"
        continue 2
      fi
      if [ -z "$best" ] || awk -v a="$seconds" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$seconds; peak=$kb; fi
    done
    printf "%-10s %-8s %10s %10d\n" "$engine" "$cmd" "$best" $((peak / 1024))
  done
done
