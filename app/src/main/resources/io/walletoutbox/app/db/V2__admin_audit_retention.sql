-- Audit records are kept for a configured retention (AUDIT_RETENTION), then purged. The table stays append-only for
-- every other statement: a DELETE passes only for rows older than the cut-off that the purge job names for its own
-- transaction (SET LOCAL walletoutbox.audit_purge_before), so no code path can remove a recent record.
CREATE OR REPLACE FUNCTION admin_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cutoff text := current_setting('walletoutbox.audit_purge_before', true);
BEGIN
    IF TG_OP = 'DELETE' AND cutoff IS NOT NULL AND cutoff <> '' AND OLD.at < cutoff::timestamptz THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'admin_audit is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE INDEX admin_audit_at ON admin_audit (at);
