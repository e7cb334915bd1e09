#!/bin/sh
# Start a throwaway PostgreSQL on 127.0.0.1 for CampaignLab tests.
# Inputs (environment): PGPASSWORD (required), CL_PG_PORT (default 54329),
#   CL_PG_USER (default campaignlab), CL_PG_DB (default campaignlab),
#   CL_PG_DIR (default /tmp/campaignlab-pg-$CL_PG_PORT), CL_PG_INSTALL=1 to apt-get install.
# Output: $CL_PG_DIR/env (PGHOST/PGPORT/PGUSER/PGDATABASE, never the password).
# Idempotent: an earlier server in $CL_PG_DIR is stopped and wiped first.
set -eu
: "${PGPASSWORD:?set PGPASSWORD in the environment}"
PORT=${CL_PG_PORT:-54329}
DBUSER=${CL_PG_USER:-campaignlab}
DB=${CL_PG_DB:-campaignlab}
DIR=${CL_PG_DIR:-/tmp/campaignlab-pg-$PORT}
HERE=$(cd "$(dirname "$0")" && pwd)
now() { date +%s.%N; }
step() { T1=$(now); awk -v a="$T0" -v b="$T1" -v s="$1" 'BEGIN{printf "pg-start: %-24s %6.2f s\n", s, b-a}'; T0=$T1; }
T0=$(now)

if [ "${CL_PG_INSTALL:-0}" = 1 ] || ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "pg-start: postgresql missing; run as root or apt-get install postgresql" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql postgresql-client >/dev/null
  step "apt-get update+install"
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

# Run server-side tools as a non-root user (postgres refuses root).
if [ "$(id -u)" = 0 ]; then OWNER=postgres; as_owner() { runuser -u postgres -- "$@"; }
else OWNER=$(id -un); as_owner() { "$@"; }; fi
cd /tmp   # the owner may not be able to read the caller's cwd (e.g. /root/...)

# Idempotence: stop and wipe an earlier instance of ours.
sh "$HERE/pg-stop.sh" >/dev/null 2>&1 || true
if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 2; [ $? -ne 2 ]; then
  echo "pg-start: something already listens on 127.0.0.1:$PORT; set CL_PG_PORT" >&2; exit 1
fi

mkdir -p "$DIR"; chmod 700 "$DIR"; chown "$OWNER" "$DIR"
umask 077
PWFILE="$DIR/pwfile"; printf '%s\n' "$PGPASSWORD" > "$PWFILE"; chown "$OWNER" "$PWFILE"
as_owner "$BIN/initdb" -D "$DIR/data" -U "$DBUSER" --pwfile="$PWFILE" \
  --auth-host=scram-sha-256 --auth-local=scram-sha-256 \
  -E UTF8 --locale=C.UTF-8 --no-instructions >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; rm -f "$PWFILE"; exit 1; }
rm -f "$PWFILE"
step "initdb"

as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null || { cat "$DIR/server.log" >&2; exit 1; }
step "pg_ctl start"

# Password auth over TCP (PGPASSWORD from the environment) proves the setup.
"$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U "$DBUSER" -d postgres \
  -c "CREATE DATABASE \"$DB\"" >/dev/null
step "createdb (TCP+scram)"

cat > "$DIR/env" <<EOF
PGHOST=127.0.0.1
PGPORT=$PORT
PGUSER=$DBUSER
PGDATABASE=$DB
PGSSLMODE=disable
export PGHOST PGPORT PGUSER PGDATABASE PGSSLMODE
EOF
chmod 644 "$DIR/env"
echo "pg-start: ready on 127.0.0.1:$PORT db=$DB user=$DBUSER dir=$DIR"
