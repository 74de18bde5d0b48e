-- Processed event ids are kept for a configured retention (INBOX_RETENTION, longer than the topic's own retention,
-- so no redelivered event can find its id gone), then purged in batches by processing time.
CREATE INDEX inbox_processed_at ON inbox (processed_at);
