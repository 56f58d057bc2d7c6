#!/usr/bin/env bash
# Run once by the postgres image (/docker-entrypoint-initdb.d) as the superuser, on an empty volume.
# Creates the platform's roles (TENANCY.md section 2): none is superuser or bypasses row-level
# security, so the app never connects as `postgres`. Passwords come from the environment, never this file.
set -e

: "${HR_OWNER_PASSWORD:?HR_OWNER_PASSWORD must be set for the db service}"
: "${HR_APP_PASSWORD:?HR_APP_PASSWORD must be set for the db service}"
: "${HR_REPORTING_PASSWORD:?HR_REPORTING_PASSWORD must be set for the db service}"

# Quoted heredoc: the shell expands nothing; psql's \getenv and :'var' quote the passwords safely
# and keep them off the command line.
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" <<-'EOSQL'
	\getenv owner_password HR_OWNER_PASSWORD
	\getenv app_password HR_APP_PASSWORD
	\getenv reporting_password HR_REPORTING_PASSWORD

	-- Schema owner, used only by `manage.py migrate` (and tests, which create their own database).
	CREATE ROLE hr_owner LOGIN NOSUPERUSER NOBYPASSRLS CREATEDB NOCREATEROLE PASSWORD :'owner_password';
	-- Web and Celery workers: DML grants only, given by the migrations.
	CREATE ROLE hr_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
	-- Cross-department reporting, read-only.
	CREATE ROLE hr_reporting LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD :'reporting_password';

	-- Tests SET ROLE hr_app. Never hr_reporting: its read-everything policy would bind its members.
	GRANT hr_app TO hr_owner;

	CREATE DATABASE shared_services OWNER hr_owner;
	\connect shared_services
	-- Only the owner may create objects, so nothing the app reads is owned by another role.
	REVOKE CREATE ON SCHEMA public FROM PUBLIC;
	ALTER SCHEMA public OWNER TO hr_owner;
EOSQL
