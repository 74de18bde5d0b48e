-- Reconciliation that resolves: why each payment is here, when the reconciliation job asks the biller next, and
-- who settled it, how and when (written in the same transaction as the payment's outcome).
ALTER TABLE provider_reconciliation
    ADD COLUMN reason            text        NOT NULL DEFAULT 'unknown-outcome'
        CHECK (reason IN ('unknown-outcome', 'transient-failure', 'ledger-refused', 'unknown-biller')),
    -- The earliest moment a charge under this payment's key may have been made that no 404 from the biller's
    -- status query (asked within the biller's key retention of it) has shown absent yet; NULL when none.
    ADD COLUMN unproven_since    timestamptz,
    ADD COLUMN checks            integer     NOT NULL DEFAULT 0 CHECK (checks >= 0),
    ADD COLUMN recharges         integer     NOT NULL DEFAULT 0 CHECK (recharges >= 0),
    ADD COLUMN last_checked_at   timestamptz,
    ADD COLUMN next_check_at     timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN resolved_how      text        CHECK (resolved_how IN ('job', 'operator')),
    ADD COLUMN resolved_by       text        CHECK (length(resolved_by) BETWEEN 1 AND 200),
    ADD COLUMN resolved_outcome  text        CHECK (resolved_outcome IN ('PAID', 'DECLINED', 'NOT_CHARGED')),
    ADD COLUMN resolution_detail text        CHECK (length(resolution_detail) BETWEEN 1 AND 1000),
    ADD CONSTRAINT provider_reconciliation_resolution CHECK (
        resolved_how IS NULL
        OR (resolved_at IS NOT NULL AND resolved_by IS NOT NULL AND resolved_outcome IS NOT NULL
            AND resolution_detail IS NOT NULL));

-- Entries written before: any attempt may have charged since the consumer's first one.
UPDATE provider_reconciliation SET unproven_since = first_attempt_at WHERE resolved_at IS NULL;

-- The job reads the unresolved entries that are due.
CREATE INDEX provider_reconciliation_due ON provider_reconciliation (next_check_at) WHERE resolved_at IS NULL;
