#!/usr/bin/env bash
# Wait (at most 120 s) until the Connect port accepts and the master reports 2 alive workers and
# an application holding 2 cores; exit 1 otherwise.
for _ in $(seq 1 240); do
  if (exec 3<>/dev/tcp/127.0.0.1/15002) 2>/dev/null; then
    state=$(curl -s http://127.0.0.1:8080/json/ | python3 -c 'import json,sys
d=json.load(sys.stdin); print(d["aliveworkers"], d["activeapps"][0]["cores"] if d["activeapps"] else 0)' 2>/dev/null)
    [ "$state" = "2 2" ] && exit 0
  fi
  sleep 0.5
done
echo "spark-wait: the cluster is not ready after 120 s (logs: ${CL_SPARK_RUN:-/tmp/campaignlab-spark/run}/logs)" >&2
exit 1
