-- Only the service's own writer may put an event on the CDC relay's path (invariant I9). PostgreSQL grants EXECUTE
-- on pg_logical_emit_message to PUBLIC, so any login of this database could emit a message with the outbox's prefix
-- and the CDC relay would read it as an event. This takes that right from PUBLIC on every overload (PostgreSQL 15 and
-- 16: (boolean, text, text) and (boolean, text, bytea); 17 adds a fourth argument, flush) and gives it to the role
-- running the migration, which is the service's database user: its writers (outbox_append, the Java writer, a CDC-mode
-- retry of a parked event) and the CDC relay's heartbeat emit messages. Other roles that must emit get
-- GRANT EXECUTE ON FUNCTION pg_logical_emit_message(…) TO <role> from an operator (docs/operations.md).
--
-- Only the function's owner (the bootstrap superuser) or a superuser can change these rights; a migrating role that
-- is neither leaves them as they are (PostgreSQL would only warn that nothing was granted or revoked) and says so in
-- a notice: the CDC relay then logs a warning at every start with the statements to run (docs/operations.md).
DO $$
DECLARE
    f regprocedure;
    may boolean;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.proname = 'pg_logical_emit_message' AND p.pronamespace = 'pg_catalog'::regnamespace
             ORDER BY p.oid
    LOOP
        SELECT r.rolsuper OR pg_has_role(current_user, p.proowner, 'USAGE') INTO may
        FROM pg_proc p, pg_roles r WHERE p.oid = f AND r.rolname = current_user;
        IF NOT may THEN
            RAISE NOTICE 'PUBLIC keeps EXECUTE on %: % may not change it; a superuser runs: REVOKE EXECUTE ON FUNCTION % FROM PUBLIC; GRANT EXECUTE ON FUNCTION % TO %;',
                f, current_user, f, f, quote_ident(current_user);
            CONTINUE;
        END IF;
        BEGIN
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', f, current_user);
            EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'PUBLIC keeps EXECUTE on %: %', f, SQLERRM;
        END;
    END LOOP;
END;
$$;
