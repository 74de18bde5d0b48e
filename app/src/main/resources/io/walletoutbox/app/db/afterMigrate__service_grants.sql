-- Runs after every migration of this module (a Flyway callback, so it sees every table of every module, which have
-- migrated before): the group roles of the service roles and exactly the rights each needs, the table in
-- docs/operations.md (Database roles). The list is authoritative: each group's rights on the objects named here are
-- revoked and granted again in one transaction. Only the schema's owner (the migration role) changes anything; a
-- runtime role that runs the migrations only to find nothing pending leaves it all as it is.
DO $grants$
DECLARE
    v_schema text := '${flyway:defaultSchema}';
    v_groups text[] := ARRAY['walletoutbox_api', 'walletoutbox_relay', 'walletoutbox_consumer'];
    v_group  text;
    r        record;
BEGIN
    IF NOT pg_has_role(current_user,
            (SELECT c.relowner FROM pg_class c WHERE c.oid = format('%I.admin_audit', v_schema)::regclass),
            'USAGE') THEN
        RETURN;
    END IF;
    -- Concurrent GRANTs on one object fail ("tuple concurrently updated"): one instance at a time ("wo grant").
    PERFORM pg_advisory_xact_lock(2003792498, 1735549300);
    FOREACH v_group IN ARRAY v_groups LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_group) THEN
            IF (SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user) THEN
                EXECUTE format('CREATE ROLE %I NOLOGIN', v_group);
            ELSE
                RAISE NOTICE 'group role % does not exist and % may not create it (CREATEROLE): no grants to it',
                    v_group, current_user;
            END IF;
        END IF;
    END LOOP;

    FOR r IN
        WITH every AS (SELECT unnest(v_groups) AS grp),
        grants(grp, kind, obj, privs) AS (
            -- every instance, whatever its roles: outbox mode claim, metrics, health, operator reads, the audit log
            -- (written by operator actions, purged by the retention job through admin_audit_purge), and the migration
            -- history (an instance without DATABASE_MIGRATION_USER checks that nothing is pending)
            SELECT grp, 'TABLE', 'outbox_mode', 'SELECT, INSERT' FROM every
            UNION ALL SELECT grp, 'TABLE', 'outbox_event', 'SELECT' FROM every
            UNION ALL SELECT grp, 'TABLE', 'outbox_parked', 'SELECT' FROM every
            UNION ALL SELECT grp, 'TABLE', 'outbox_shard', 'SELECT' FROM every
            UNION ALL SELECT grp, 'TABLE', 'account', 'SELECT' FROM every
            UNION ALL SELECT grp, 'TABLE', 'bill_payment', 'SELECT' FROM every
            UNION ALL SELECT grp, 'TABLE', 'provider_reconciliation', 'SELECT' FROM every
            UNION ALL SELECT grp, 'TABLE', 'admin_audit', 'SELECT, INSERT' FROM every
            UNION ALL SELECT grp, 'TABLE', 'outbox_schema_history', 'SELECT' FROM every
            UNION ALL SELECT grp, 'TABLE', 'wallet_schema_history', 'SELECT' FROM every
            UNION ALL SELECT grp, 'TABLE', 'provider_schema_history', 'SELECT' FROM every
            UNION ALL SELECT grp, 'TABLE', 'app_schema_history', 'SELECT' FROM every
            UNION ALL SELECT grp, 'FUNCTION', 'admin_audit_purge(timestamptz, integer)', 'EXECUTE' FROM every
            -- api: wallets, top-ups, bill payments (wallet_request_bill_payment, security invoker), idempotency keys,
            -- the outbox append; operator actions (parked retry and discard, reconciliation resolve)
            UNION ALL VALUES
              ('walletoutbox_api', 'TABLE', 'account', 'INSERT, UPDATE'),
              ('walletoutbox_api', 'TABLE', 'transfer', 'SELECT, INSERT'),
              ('walletoutbox_api', 'TABLE', 'bill_payment', 'INSERT, UPDATE'),
              ('walletoutbox_api', 'TABLE', 'idempotency_key', 'SELECT, INSERT, DELETE'),
              ('walletoutbox_api', 'TABLE', 'outbox_event', 'INSERT'),
              ('walletoutbox_api', 'TABLE', 'outbox_parked', 'UPDATE, DELETE'),
              ('walletoutbox_api', 'TABLE', 'provider_reconciliation', 'INSERT, UPDATE'),
            -- relay: claim shards, publish and delete events, park rejected ones, probe the id sequence, the CDC
            -- offsets, the outbox maintenance (MAINTAIN on PostgreSQL 17+, below; the reindex function before)
              ('walletoutbox_relay', 'TABLE', 'outbox_event', 'UPDATE, DELETE'),
              ('walletoutbox_relay', 'TABLE', 'outbox_shard', 'UPDATE'),
              ('walletoutbox_relay', 'TABLE', 'outbox_parked', 'INSERT'),
              ('walletoutbox_relay', 'SEQUENCE', 'outbox_event_id_seq', 'SELECT'),
              ('walletoutbox_relay', 'TABLE', 'relay_cdc_offset', 'SELECT, INSERT, UPDATE'),
              ('walletoutbox_relay', 'FUNCTION', 'outbox_event_reindex_if_empty(integer)', 'EXECUTE'),
            -- consumer: the inbox (and its purge), outcomes (wallet_record_outcome, security invoker), reconciliation,
            -- the follow-up events
              ('walletoutbox_consumer', 'TABLE', 'inbox', 'SELECT, INSERT, UPDATE, DELETE'),
              ('walletoutbox_consumer', 'TABLE', 'account', 'INSERT, UPDATE'),
              ('walletoutbox_consumer', 'TABLE', 'transfer', 'SELECT, INSERT'),
              ('walletoutbox_consumer', 'TABLE', 'bill_payment', 'UPDATE'),
              ('walletoutbox_consumer', 'TABLE', 'outbox_event', 'INSERT'),
              ('walletoutbox_consumer', 'TABLE', 'provider_reconciliation', 'INSERT, UPDATE')
        )
        SELECT g.grp, g.kind, g.obj, string_agg(g.privs, ', ') AS privs,
               CASE g.kind WHEN 'FUNCTION' THEN format('%I.%s', v_schema, g.obj)::regprocedure::text
                           ELSE format('%I.%I', v_schema, g.obj) END AS target
          FROM grants g JOIN pg_roles ro ON ro.rolname = g.grp
         GROUP BY g.grp, g.kind, g.obj
    LOOP
        EXECUTE format('REVOKE ALL ON %s %s FROM %I', r.kind, r.target, r.grp);
        EXECUTE format('GRANT %s ON %s %s TO %I', r.privs, r.kind, r.target, r.grp);
    END LOOP;
    -- USAGE on the schema, where the migration role may give it (PUBLIC has it on schema public anyway)
    FOREACH v_group IN ARRAY v_groups LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_group)
           AND pg_has_role(current_user, (SELECT n.nspowner FROM pg_namespace n WHERE n.nspname = v_schema), 'USAGE')
        THEN
            EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', v_schema, v_group);
        END IF;
    END LOOP;
    -- CDC mode: the writers (api, consumer) emit the outbox's logical messages and the relay its heartbeat. Where
    -- the outbox migration took EXECUTE on pg_logical_emit_message away from PUBLIC (a superuser migrating), the
    -- groups get it back; elsewhere PUBLIC still has it (the relay warns at start).
    FOR r IN SELECT p.oid::regprocedure::text AS fn FROM pg_proc p
              WHERE p.proname = 'pg_logical_emit_message' AND p.pronamespace = 'pg_catalog'::regnamespace
    LOOP
        IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
           OR pg_has_role(current_user, (SELECT p.proowner FROM pg_proc p WHERE p.oid = r.fn::regprocedure), 'USAGE')
        THEN
            FOREACH v_group IN ARRAY v_groups LOOP
                IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_group) THEN
                    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', r.fn, v_group);
                END IF;
            END LOOP;
        END IF;
    END LOOP;
    -- PostgreSQL 17 has a MAINTAIN privilege (VACUUM, ANALYZE, REINDEX without owning the table): the relay keeps
    -- the outbox small itself. Before 17 only the owner may vacuum; the relay then reindexes through the function.
    IF current_setting('server_version_num')::int >= 170000
       AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'walletoutbox_relay') THEN
        EXECUTE format('GRANT MAINTAIN ON %I.outbox_event TO walletoutbox_relay', v_schema);
    END IF;
END
$grants$;
