-- Payments whose outcome at the biller stayed unknown past the consumer's horizon. They are neither paid nor
-- refunded: an operator settles each one with the biller. The row is written in the same transaction as the
-- inbox row of the event, so an event lands here at most once.
CREATE TABLE provider_reconciliation (
    payment_id       uuid PRIMARY KEY,
    event_id         uuid        NOT NULL UNIQUE,
    wallet_id        text        NOT NULL,
    biller           text        NOT NULL,
    customer_ref     text        NOT NULL,
    amount           bigint      NOT NULL CHECK (amount > 0),
    currency         text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    last_cause       text        NOT NULL,
    attempts         integer     NOT NULL CHECK (attempts > 0),
    first_attempt_at timestamptz NOT NULL,
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    resolved_at      timestamptz
);
-- The operators' listing reads the unresolved rows, oldest first.
CREATE INDEX provider_reconciliation_pending ON provider_reconciliation (recorded_at) WHERE resolved_at IS NULL;
