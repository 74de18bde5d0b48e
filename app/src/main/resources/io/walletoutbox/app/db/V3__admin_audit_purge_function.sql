-- The audit purge moves into the database: the service's runtime role (docs/operations.md, Database roles) holds no
-- DELETE on admin_audit and cannot disable its triggers, so the only way a record goes is admin_audit_purge(), a
-- SECURITY DEFINER function of the schema's owner that refuses any cut-off younger than the server-side minimum
-- retention. V2 let a DELETE through whenever the session named a cut-off (walletoutbox.audit_purge_before), a
-- setting any session may set; now the trigger also requires the deleting user to hold the table owner's rights,
-- which inside the function it does and the runtime role never does, and every row to be past the minimum.

-- How long an audit record is kept at least, whatever AUDIT_RETENTION says. Only the schema owner can change it.
CREATE FUNCTION admin_audit_min_retention() RETURNS interval LANGUAGE sql IMMUTABLE AS $$ SELECT interval '30 days' $$;

CREATE OR REPLACE FUNCTION admin_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cutoff text := current_setting('walletoutbox.audit_purge_before', true);
BEGIN
    IF TG_OP = 'DELETE' AND cutoff IS NOT NULL AND cutoff <> ''
       AND pg_has_role(current_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'USAGE')
       AND OLD.at < cutoff::timestamptz AND OLD.at < now() - admin_audit_min_retention() THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'admin_audit is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

-- Deletes up to p_limit records older than p_before (oldest first) and answers how many. A cut-off younger than
-- admin_audit_min_retention() is refused (SQLSTATE 42501), so a runtime role can shorten nothing.
CREATE FUNCTION admin_audit_purge(p_before timestamptz, p_limit integer) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, "${flyway:defaultSchema}", pg_temp AS $$
DECLARE
    v_deleted integer;
BEGIN
    IF p_before IS NULL OR p_before > now() - admin_audit_min_retention() THEN
        RAISE EXCEPTION 'admin_audit keeps records for at least %: a purge of records before % is refused',
            admin_audit_min_retention(), p_before USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 100000 THEN
        RAISE EXCEPTION 'admin_audit_purge: limit % is not 1..100000', p_limit USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM set_config('walletoutbox.audit_purge_before', p_before::text, true);
    DELETE FROM admin_audit WHERE id IN (SELECT a.id FROM admin_audit a WHERE a.at < p_before ORDER BY a.at LIMIT p_limit);
    GET DIAGNOSTICS v_deleted = ROW_COUNT;
    PERFORM set_config('walletoutbox.audit_purge_before', '', true);
    RETURN v_deleted;
END
$$;
REVOKE EXECUTE ON FUNCTION admin_audit_purge(timestamptz, integer) FROM PUBLIC;
