#!/bin/sh
# Copy CampaignLab contract tables from a SQLite file into PostgreSQL (PG* env + PGPASSWORD).
# usage: pg-load.sh FILE.sqlite [table ...]
# Types: INTEGER->bigint, REAL->double precision, TEXT->text (declared type of each column).
# REALs are exported with 17 significant digits ('%!.17g'): sqlite3's own -csv output keeps
# only 15 and would change values (0.1+0.2 prints as 0.3).
set -eu
DB=$1; shift
TABLES=${*:-customers customer_months events campaigns assignments metric_definitions}
PSQL="psql -X -q -v ON_ERROR_STOP=1"
PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"; export PGOPTIONS
for t in $TABLES; do
  T0=$(date +%s.%N)
  cols=""; sel=""; pk=""
  IFS='
'
  # pragma table_info: cid|name|type|notnull|dflt|pk
  for row in $(sqlite3 -separator '|' "$DB" "select name||'|'||upper(type)||'|'||\"notnull\"||'|'||pk from pragma_table_info('$t') order by cid"); do
    name=${row%%|*}; rest=${row#*|}; type=${rest%%|*}; rest=${rest#*|}; nn=${rest%%|*}; k=${rest#*|}
    case $type in
      *INT*) pgt=bigint; expr="\"$name\"" ;;
      REAL|*FLOA*|*DOUB*|NUMERIC) pgt="double precision"
            expr="CASE WHEN \"$name\" IS NULL THEN NULL ELSE printf('%!.17g', \"$name\") END" ;;
      *) pgt=text; expr="\"$name\"" ;;
    esac
    [ "$nn" = 1 ] && pgt="$pgt NOT NULL"
    cols="${cols:+$cols, }\"$name\" $pgt"; sel="${sel:+$sel, }$expr"
    [ "$k" != 0 ] && pk="${pk:+$pk, }\"$name\""
  done
  unset IFS
  [ -n "$cols" ] || { echo "pg-load: no table $t in $DB" >&2; exit 1; }
  $PSQL -c "DROP TABLE IF EXISTS \"$t\"; CREATE TABLE \"$t\" ($cols${pk:+, PRIMARY KEY ($pk)})"
  sqlite3 -csv "$DB" "select $sel from \"$t\"" \
    | $PSQL -c "\\copy \"$t\" FROM STDIN WITH (FORMAT csv)"
  $PSQL -c "ANALYZE \"$t\""
  n=$(psql -X -tA -c "select count(*) from \"$t\"")
  awk -v a="$T0" -v b="$(date +%s.%N)" -v t="$t" -v n="$n" 'BEGIN{printf "pg-load: %-20s %9d rows %6.2f s\n", t, n, b-a}'
done
