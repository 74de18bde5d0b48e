-- OutboxWriter.append as a server-side function, for writers that fold the append into a statement or function of
-- their own (OutboxWriter.serverSide) and so save its round trip. It writes exactly what the Java writers write:
-- in 'TABLE' mode the outbox_event row of PostgresOutboxWriter, in 'LOGICAL_MESSAGE' mode the transactional
-- logical decoding message of LogicalMessageOutboxWriter (the document of LogicalMessages, built the same way).
-- It joins the caller's transaction; call it after locking the row that orders the aggregate's events.
CREATE FUNCTION outbox_append(
    p_mode           text,
    p_prefix         text,
    p_event_id       uuid,
    p_shard          integer,
    p_aggregate_type text,
    p_aggregate_id   text,
    p_event_type     text,
    p_topic          text,
    p_payload        text,
    p_headers        jsonb,
    p_created_at     timestamptz
) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF p_mode = 'TABLE' THEN
        INSERT INTO outbox_event (event_id, shard, aggregate_type, aggregate_id, event_type, topic, payload, headers,
                                  created_at)
        VALUES (p_event_id, p_shard, p_aggregate_type, p_aggregate_id, p_event_type, p_topic, p_payload, p_headers,
                p_created_at);
    ELSIF p_mode = 'LOGICAL_MESSAGE' THEN
        PERFORM pg_logical_emit_message(true, p_prefix, json_build_object(
            'eventId', p_event_id,
            'aggregateType', p_aggregate_type,
            'aggregateId', p_aggregate_id,
            'type', p_event_type,
            'topic', p_topic,
            'payload', p_payload,
            'headers', p_headers,
            'createdAtMicros', CAST(EXTRACT(EPOCH FROM p_created_at) * 1000000 AS bigint))::text);
    ELSE
        RAISE EXCEPTION 'outbox mode % is unknown', p_mode USING ERRCODE = 'invalid_parameter_value';
    END IF;
END;
$$;
