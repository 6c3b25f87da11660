#!/bin/sh
# Run once by the postgres image on an empty data directory (docker-entrypoint-initdb.d): creates
# one Homeward database with its owner role (runs `homeward migrate`) and its app role (the server):
# neither superuser nor owner of anything else, CONNECT to this database only (README, "Production
# notes"). `homeward migrate` then creates the schema and grants the app role what it needs.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
	-v db="$INIT_DATABASE" -v owner="$INIT_OWNER" -v owner_pw="$INIT_OWNER_PASSWORD" \
	-v app="$INIT_APP" -v app_pw="$INIT_APP_PASSWORD" <<'SQL'
CREATE ROLE :"owner" LOGIN PASSWORD :'owner_pw' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
CREATE ROLE :"app" LOGIN PASSWORD :'app_pw' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
CREATE DATABASE :"db" OWNER :"owner" ENCODING 'UTF8';
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"owner", :"app";
REVOKE CONNECT ON DATABASE postgres FROM PUBLIC;
REVOKE CONNECT ON DATABASE template1 FROM PUBLIC;
SQL
