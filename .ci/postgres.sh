#!/usr/bin/env bash
# Install (Debian packages) and start a PostgreSQL server on 127.0.0.1 for the store tests.
# Idempotent: safe to run again on a machine where it already ran or where the server is up.
# Needs root and apt-get. Progress goes to stderr; stdout is exactly one line, the URL:
#   INFLU_GEO_TEST_PG_URL="$(bash .ci/postgres.sh)"; export INFLU_GEO_TEST_PG_URL
set -euo pipefail

PG_USER="${INFLU_GEO_PG_USER:-influ_geo}"
PG_PASSWORD="${INFLU_GEO_PG_PASSWORD:-influ_geo}"
PG_DB="${INFLU_GEO_PG_DB:-influ_geo_test}"

log() { echo "postgres.sh: $*" >&2; }

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  log "il faut être root avec apt-get pour installer PostgreSQL"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# initdb (run by the package's postinst or below) fails on a locale that is not generated.
export LANG=C.UTF-8 LC_ALL=C.UTF-8
server_version() { ls /usr/lib/postgresql/*/bin/postgres 2>/dev/null | cut -d/ -f5 | sort -V | tail -n 1; }
if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(server_version)" ]; then
  log "installation du paquet postgresql"
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >/dev/null
fi

# The Debian package creates the cluster "main" of its version; create it when absent.
VERSION="$(server_version)"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$VERSION main"; then
  log "création du cluster $VERSION/main"
  pg_createcluster --locale C.UTF-8 "$VERSION" main >&2
fi
PORT="$(pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" {print $3}')"
if ! pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
  log "démarrage du cluster $VERSION/main (port $PORT)"
  pg_ctlcluster "$VERSION" main start >&2
fi
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p "$PORT" && break
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p "$PORT" >&2

as_postgres() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" "$@"; }
as_postgres -d postgres >&2 <<SQL
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', '$PG_USER', '$PG_PASSWORD')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER') \gexec
ALTER ROLE "$PG_USER" PASSWORD '$PG_PASSWORD';
SELECT format('CREATE DATABASE %I OWNER %I', '$PG_DB', '$PG_USER')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$PG_DB') \gexec
SQL

echo "postgresql+psycopg://$PG_USER:$PG_PASSWORD@127.0.0.1:$PORT/$PG_DB"
