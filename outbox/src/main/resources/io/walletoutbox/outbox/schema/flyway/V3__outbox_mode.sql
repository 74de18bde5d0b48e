-- Where this deployment's writers put events: 'TABLE' (rows in outbox_event, for the polling relay) or
-- 'LOGICAL_MESSAGE' (logical decoding messages, for the CDC relay). One row at most: recorded by the first process
-- that starts (OutboxModes.claim), and a process whose mode disagrees refuses to start. Switching is an operator's
-- action (OutboxModes.switchTo, or the SQL in docs/operations.md), with the writers stopped and the outbox empty.
CREATE TABLE outbox_mode (
    singleton   boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    mode        text        NOT NULL CHECK (mode IN ('TABLE', 'LOGICAL_MESSAGE')),
    recorded_at timestamptz NOT NULL DEFAULT now()
);
