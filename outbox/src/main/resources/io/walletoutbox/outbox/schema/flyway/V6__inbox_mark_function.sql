-- Inbox.markProcessed as a server-side function, for consumers whose processing is itself one server-side function
-- call (so the inbox row costs no round trip of its own). It joins the caller's transaction and writes exactly what
-- PostgresInbox.markProcessed writes: true when the row is new, false when the event was processed before (a
-- concurrent duplicate's insert is waited for; if it commits, this answers false).
CREATE FUNCTION inbox_mark_processed(p_consumer text, p_event_id uuid) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO inbox (consumer, event_id) VALUES (p_consumer, p_event_id) ON CONFLICT DO NOTHING;
    RETURN FOUND;
END;
$$;
