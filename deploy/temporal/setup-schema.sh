#!/bin/sh
# One-shot job (temporalio/admin-tools): creates Temporal's two PostgreSQL databases if missing and updates their
# schemas to the versions shipped with this admin-tools image. Safe to run again; run it before upgrading the server.
# Outside a container (test/support/temporal-cluster.ts, `npm run stack`): put temporal-sql-tool on PATH and point
# TEMPORAL_SCHEMA_DIR at the schema/postgresql/v12 folder of the same server version (the bootstrap keeps one in .tools/).
set -eu
host="${POSTGRES_SEEDS:-postgresql}"
port="${DB_PORT:-5432}"
user="${POSTGRES_USER:-temporal}"
export SQL_PASSWORD="${SQL_PASSWORD:-${POSTGRES_PWD:-}}"
schemas="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"

# admin-tools has nc; a host with PostgreSQL's client tools has pg_isready
reachable() {
  if command -v nc >/dev/null 2>&1; then nc -z -w 5 "$host" "$port"
  elif command -v pg_isready >/dev/null 2>&1; then pg_isready -q -h "$host" -p "$port" -t 5
  else echo "setup-schema: needs nc or pg_isready on PATH to wait for PostgreSQL" >&2; exit 1
  fi
}

tries=0
until reachable; do
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
