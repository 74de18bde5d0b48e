-- Tracing (issue 23): the W3C trace context of the payment an entry is about, when known (the consumer opens its
-- entries with the record's traceparent; the sweep's and a discard's have none). Each reconciliation attempt is a
-- span of its own trace, linked to this one. The code stores only well-formed values; the CHECK is a second line.
ALTER TABLE provider_reconciliation
    ADD COLUMN traceparent text
        CHECK (traceparent ~ '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$');
