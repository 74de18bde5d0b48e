-- The polling relay rebuilds the empty outbox's indexes (OutboxVacuum). REINDEX needs the table's owner, or on
-- PostgreSQL 17 and later the MAINTAIN privilege; a runtime role on PostgreSQL 15 or 16 has neither. This SECURITY
-- DEFINER function of the schema's owner rebuilds them only when the table is empty (milliseconds), waiting at most
-- p_lock_timeout_ms for its locks; it answers whether it rebuilt. EXECUTE goes to whom the deployment grants it
-- (the relay's group role, docs/operations.md). VACUUM cannot run inside a function at all: see OutboxVacuum.
CREATE FUNCTION outbox_event_reindex_if_empty(p_lock_timeout_ms integer) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER  AS $$
BEGIN
    IF p_lock_timeout_ms IS NULL OR p_lock_timeout_ms NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'lock timeout % ms is not 1..1000', p_lock_timeout_ms USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM set_config('lock_timeout', p_lock_timeout_ms || 'ms', true);
    IF EXISTS (SELECT 1 FROM outbox_event) THEN
        RETURN false;
    END IF;
    REINDEX TABLE outbox_event;
    RETURN true;
END
$$;
REVOKE EXECUTE ON FUNCTION outbox_event_reindex_if_empty(integer) FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION %I(integer) SET search_path = pg_catalog, %I, pg_temp',
        'outbox_event_reindex_if_empty', current_schema());
END
$$;
