"""A way for the application role to refresh the planner's statistics after a bulk write.

Only a table's owner may ANALYZE it, and the application role owns nothing; where autovacuum is
off or slow to catch up, a bulk import leaves the planner guessing (it picks nested loops that
turn a 75,000-row import quadratic). This SECURITY DEFINER function, owned by the schema owner,
analyzes one named table of the public schema and does nothing else. Statistics of tables under
row-level security are not visible to the application role (pg_stats hides them), so nothing leaks.
"""

from django.conf import settings
from django.db import migrations


def create(apps, schema_editor):
    app_role = schema_editor.quote_name(settings.DB_APP_ROLE)
    schema_editor.execute("""
        CREATE OR REPLACE FUNCTION platform_refresh_statistics(table_name text, only_if_stale boolean)
        RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER
        -- A small sample is enough for the row counts and common values an import's queries need,
        -- and keeps ANALYZE of a 100,000-row table to a fraction of a second.
        SET search_path = public, pg_temp SET default_statistics_target = 30 AS $$
        DECLARE
            changed bigint;
            live bigint;
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = table_name) THEN
                RAISE EXCEPTION 'no table % in the public schema', table_name;
            END IF;
            IF only_if_stale THEN
                SELECT n_mod_since_analyze, n_live_tup INTO changed, live
                FROM pg_stat_user_tables WHERE schemaname = 'public' AND relname = table_name;
                IF coalesce(changed, 0) < greatest(1000, coalesce(live, 0) / 10) THEN
                    RETURN false;
                END IF;
            END IF;
            EXECUTE format('ANALYZE public.%I', table_name);
            RETURN true;
        END
        $$
    """, params=None)  # no parameters: the % signs belong to PL/pgSQL
    schema_editor.execute("REVOKE ALL ON FUNCTION platform_refresh_statistics(text, boolean) FROM PUBLIC")
    schema_editor.execute(f"GRANT EXECUTE ON FUNCTION platform_refresh_statistics(text, boolean) TO {app_role}")


def drop(apps, schema_editor):
    schema_editor.execute("DROP FUNCTION IF EXISTS platform_refresh_statistics(text, boolean)")


class Migration(migrations.Migration):

    dependencies = [
        ("departments", "0002_department_pay_frequency"),
    ]

    operations = [migrations.RunPython(create, drop)]
