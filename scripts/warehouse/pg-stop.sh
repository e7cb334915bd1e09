#!/bin/sh
# Stop and remove the throwaway PostgreSQL started by pg-start.sh. Idempotent.
set -u
PORT=${CL_PG_PORT:-54329}
DIR=${CL_PG_DIR:-/tmp/campaignlab-pg-$PORT}
[ -d "$DIR" ] || { echo "pg-stop: nothing at $DIR"; exit 0; }
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
cd /tmp
if [ -f "$DIR/data/postmaster.pid" ] && [ -n "$BIN" ]; then
  if [ "$(id -u)" = 0 ]; then RUN="runuser -u postgres --"; else RUN=""; fi
  $RUN "$BIN/pg_ctl" -D "$DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 \
    || $RUN "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1 \
    || { PID=$(head -n 1 "$DIR/data/postmaster.pid")   # last resort: only our own postmaster
         if [ -n "$PID" ] && [ "$(ps -o comm= -p "$PID" 2>/dev/null)" = postgres ]; then kill -9 "$PID"; sleep 1; fi; }
fi
rm -rf "$DIR"
echo "pg-stop: stopped and removed $DIR"
