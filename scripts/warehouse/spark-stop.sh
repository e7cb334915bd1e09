#!/usr/bin/env bash
# Stop what spark-start.sh started (Connect server, workers, master). Idempotent.
VENV=${CL_SPARK_VENV:-/tmp/campaignlab-spark/venv}
RUN=${CL_SPARK_RUN:-/tmp/campaignlab-spark/run}
[ -x "$VENV/bin/python" ] || { echo "spark-stop: nothing to stop"; exit 0; }
export SPARK_HOME=$("$VENV/bin/python" -c 'import pyspark,os;print(os.path.dirname(pyspark.__file__))')
export SPARK_LOG_DIR=$RUN/logs SPARK_PID_DIR=$RUN/pids SPARK_IDENT_STRING=campaignlab
D="$SPARK_HOME/sbin/spark-daemon.sh"
bash "$D" stop org.apache.spark.sql.connect.service.SparkConnectServer 1
for i in 1 2; do bash "$D" stop org.apache.spark.deploy.worker.Worker "$i"; done
bash "$D" stop org.apache.spark.deploy.master.Master 1
