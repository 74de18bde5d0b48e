-- Every operator action (retry, discard, resolve, …): who did what to which target and why. Append-only: the
-- database refuses UPDATE, DELETE and TRUNCATE on it, so the log cannot be edited through the service's account.
CREATE TABLE admin_audit (
    id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor   text        NOT NULL CHECK (length(actor) BETWEEN 1 AND 600),
    action  text        NOT NULL CHECK (action ~ '^[a-z][a-z0-9.-]{0,63}$'),
    target  text        NOT NULL CHECK (length(target) BETWEEN 1 AND 200),
    reason  text        CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 500)
);

CREATE FUNCTION admin_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'admin_audit is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER admin_audit_no_update_or_delete BEFORE UPDATE OR DELETE ON admin_audit
    FOR EACH ROW EXECUTE FUNCTION admin_audit_append_only();
CREATE TRIGGER admin_audit_no_truncate BEFORE TRUNCATE ON admin_audit
    FOR EACH STATEMENT EXECUTE FUNCTION admin_audit_append_only();
