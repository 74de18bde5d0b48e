-- Every PENDING payment has a way out, and no refund races a charge that may still land (invariants I7, I9):
-- * more reasons: an operator discarded the payment's parked event (discarded), the payment's own event was
--   dead-lettered (unparseable, unknown-event-type), it stayed PENDING with no entry (no-progress, the job's sweep),
--   or a biller answer contradicts its recorded terminal status (contradiction);
-- * event_id is unknown for entries that no consumed event opened (discarded, no-progress);
-- * last_attempt_at: the latest moment a charge attempt under this payment's key may have been sent (NULL: none can
--   have been). Until the biller's in-flight bound has passed since then, a 404 from the biller proves nothing.
ALTER TABLE provider_reconciliation DROP CONSTRAINT provider_reconciliation_reason_check;
ALTER TABLE provider_reconciliation
    ADD CONSTRAINT provider_reconciliation_reason_check CHECK (reason IN (
        'unknown-outcome', 'transient-failure', 'ledger-refused', 'unknown-biller', 'discarded', 'unparseable',
        'unknown-event-type', 'no-progress', 'contradiction')),
    ALTER COLUMN event_id DROP NOT NULL,
    ADD COLUMN last_attempt_at timestamptz;

-- Entries written before: an attempt may have been sent up to the entry's last activity.
UPDATE provider_reconciliation SET last_attempt_at = greatest(recorded_at, last_checked_at)
 WHERE resolved_at IS NULL AND unproven_since IS NOT NULL;

-- The job's sweep and the consumer's check look entries up by payment (the primary key) and the inbox purge by
-- event (the unique key); the job skips contradictions, which only an operator settles.
DROP INDEX provider_reconciliation_due;
CREATE INDEX provider_reconciliation_due ON provider_reconciliation (next_check_at)
    WHERE resolved_at IS NULL AND reason <> 'contradiction';
