#!/usr/bin/env bash
# Start a Spark standalone cluster on loopback — 1 master, 2 workers (1 core each) — and a
# Spark Connect server (gRPC on 127.0.0.1:15002), from pyspark 4.1.1 (which ships the Connect
# jar; 3.5 would need Maven). Java 17 must be on PATH. The venv is made when missing.
# Environment: CL_SPARK_VENV (default /tmp/campaignlab-spark/venv), CL_SPARK_RUN (default
# /tmp/campaignlab-spark/run: logs, pids, work and warehouse directories), CL_SPARK_WORKER_MEMORY
# (default 2g per worker), CL_SPARK_EXECUTOR_MEMORY (default 1536m: an executor of 768m ran out of
# heap in the 1M demo's per-customer rollups), CL_SPARK_PARTITIONS (shuffle partitions, default 8),
# CL_SPARK_DRIVER_MEMORY (the Connect server's driver, default 1g: every result passes through it,
# and at 1M customers a result of one row per customer needs 4g).
# Then: spark-wait.sh (ready when both workers are alive and the app holds 2 executors).
set -euo pipefail
VENV=${CL_SPARK_VENV:-/tmp/campaignlab-spark/venv}
RUN=${CL_SPARK_RUN:-/tmp/campaignlab-spark/run}
WORKER_MEMORY=${CL_SPARK_WORKER_MEMORY:-2g}
EXECUTOR_MEMORY=${CL_SPARK_EXECUTOR_MEMORY:-1536m}
PARTITIONS=${CL_SPARK_PARTITIONS:-8}
DRIVER_MEMORY=${CL_SPARK_DRIVER_MEMORY:-1g}
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import pyspark' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q 'pyspark==4.1.1'   # an sdist: about 40 s to build
fi
# Idempotent: a cluster of ours still running (an earlier run cut short) is stopped first.
CL_SPARK_VENV=$VENV CL_SPARK_RUN=$RUN bash "$(dirname "$0")/spark-stop.sh" >/dev/null 2>&1 || true
export SPARK_HOME=$("$VENV/bin/python" -c 'import pyspark,os;print(os.path.dirname(pyspark.__file__))')
export JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
export SPARK_LOCAL_IP=127.0.0.1 SPARK_MASTER_HOST=127.0.0.1
export SPARK_LOG_DIR=$RUN/logs SPARK_PID_DIR=$RUN/pids SPARK_WORKER_DIR=$RUN/work SPARK_IDENT_STRING=campaignlab
export SPARK_WORKER_CORES=1 SPARK_WORKER_MEMORY=$WORKER_MEMORY SPARK_DAEMON_MEMORY=256m SPARK_LOCAL_DIRS=$RUN/local
mkdir -p "$SPARK_LOG_DIR" "$SPARK_PID_DIR" "$SPARK_WORKER_DIR" "$SPARK_LOCAL_DIRS"
D="$SPARK_HOME/sbin/spark-daemon.sh"
bash "$D" start org.apache.spark.deploy.master.Master 1 --host 127.0.0.1 --port 7077 --webui-port 8080
for i in 1 2; do
  bash "$D" start org.apache.spark.deploy.worker.Worker "$i" --host 127.0.0.1 --webui-port $((8080 + i)) \
    --cores 1 --memory "$WORKER_MEMORY" spark://127.0.0.1:7077
done
# The Connect server's driver needs 1g at least (it does not start with 256m).
SPARK_DAEMON_MEMORY=$DRIVER_MEMORY SPARK_CONNECT_MODE=0 bash "$D" submit org.apache.spark.sql.connect.service.SparkConnectServer 1 \
  --name "Spark Connect server" --master spark://127.0.0.1:7077 \
  --driver-memory "$DRIVER_MEMORY" --conf spark.driver.maxResultSize=0 --executor-memory "$EXECUTOR_MEMORY" --total-executor-cores 2 --executor-cores 1 \
  --conf spark.connect.grpc.binding.address=127.0.0.1 --conf spark.connect.grpc.binding.port=15002 \
  --conf spark.ui.port=4040 --conf "spark.sql.shuffle.partitions=$PARTITIONS" --conf "spark.sql.warehouse.dir=$RUN/warehouse" \
  --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 --conf spark.master.rest.enabled=false
