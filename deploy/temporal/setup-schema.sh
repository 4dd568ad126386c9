#!/bin/sh
# One-shot job (temporalio/admin-tools): creates Temporal's two PostgreSQL databases if missing and updates their
# schemas to the versions shipped with this admin-tools image. Safe to run again; run it before upgrading the server.
set -eu
host="${POSTGRES_SEEDS:-postgresql}"
port="${DB_PORT:-5432}"
user="${POSTGRES_USER:-temporal}"
export SQL_PASSWORD="${SQL_PASSWORD:-${POSTGRES_PWD:-}}"
schemas=/etc/temporal/schema/postgresql/v12

tries=0
until nc -z -w 5 "$host" "$port"; do
  tries=$((tries + 1))
  if [ "$tries" -ge 30 ]; then echo "setup-schema: PostgreSQL at $host:$port does not answer" >&2; exit 1; fi
  sleep 2
done

for db in temporal temporal_visibility; do
  case "$db" in temporal) dir=temporal ;; *) dir=visibility ;; esac
  sql() { temporal-sql-tool --plugin postgres12 --ep "$host" -p "$port" -u "$user" --db "$db" "$@"; }
  sql create || echo "setup-schema: database $db exists"
  # setup-schema -v 0.0 only creates the version table when the database is new; update-schema is idempotent
  sql setup-schema -v 0.0 || echo "setup-schema: $db already has a schema version"
  sql update-schema -d "$schemas/$dir/versioned"
  echo "setup-schema: $db is at the schema of $(basename "$(ls -d "$schemas/$dir/versioned"/v* | sort -V | tail -1)")"
done
