package io.walletoutbox.outbox.internal;

import java.util.List;
import java.util.stream.Stream;

/**
 * The outbox's logical decoding message, written the same way by the writer (from bound parameters) and by a
 * CDC-mode retry of a parked event (from its {@code outbox_parked} row), so the CDC relay reads, and publishes,
 * the same record either way.
 *
 * <p>The message is a JSON document built by PostgreSQL itself, so that {@code createdAt} goes through the same
 * {@code timestamptz} conversion (rounding to microseconds) as the table writer's column: {@code {"eventId",
 * "aggregateType", "aggregateId", "type", "topic", "payload", "headers", "createdAtMicros", "payloadBase64",
 * "contentType"}} (epoch microseconds; the payload as text in {@code payload}, or, for one stored as bytes, Base64 in
 * {@code payloadBase64}; {@code contentType} null for {@code application/json}; the last two are absent from the
 * messages of {@code outbox_append} and of versions before byte payloads), with prefix {@code :prefix} bound to
 * {@code OutboxTables.messagePrefix()}.
 */
final class LogicalMessages {
    private LogicalMessages() {}

    /** The fields every message has, from bound parameters of {@code AppendChecks.bindEvent}. */
    private static final List<String> PARAMETERS = List.of(
            "CAST(:eventId AS uuid)",
            "CAST(:aggregateType AS text)",
            "CAST(:aggregateId AS text)",
            "CAST(:type AS text)",
            "CAST(:topic AS text)",
            "CAST(:payload AS text)",
            "CAST(:headers AS jsonb)",
            "CAST(:createdAt AS timestamptz)");

    /**
     * The writer's call for a JSON event stored as text: the document of every version before byte payloads, and
     * of {@code outbox_append}, byte for byte ({@code :payloadBytes} and {@code :contentType} are bound but unused).
     */
    static final String FROM_PARAMETERS = emit(PARAMETERS, false);

    /** The writer's call for any other event: with {@code payloadBase64} and {@code contentType}. */
    static final String FROM_PARAMETERS_TYPED = emit(
            Stream.concat(PARAMETERS.stream(), Stream.of("CAST(:payloadBytes AS bytea)", "CAST(:contentType AS text)"))
                    .toList(),
            true);

    /** The same call over the columns of an {@code outbox_parked} (or {@code outbox_event}) row. */
    static final String FROM_ROW = emit(
            List.of(
                    "event_id",
                    "aggregate_type",
                    "aggregate_id",
                    "event_type",
                    "topic",
                    "payload",
                    "headers",
                    "created_at",
                    "payload_bytes",
                    "content_type"),
            true);

    /** A transactional {@code pg_logical_emit_message} of the document made of these SQL expressions. */
    private static String emit(List<String> fields, boolean typed) {
        String common = """
                pg_logical_emit_message(true, :prefix, json_build_object(
                    'eventId', %s,
                    'aggregateType', %s,
                    'aggregateId', %s,
                    'type', %s,
                    'topic', %s,
                    'payload', %s,
                    'headers', %s,
                    'createdAtMicros', CAST(EXTRACT(EPOCH FROM %s) * 1000000 AS bigint)""";
        String typedFields = """
                ,
                    'payloadBase64', encode(%s, 'base64'),
                    'contentType', %s""";
        return (common + (typed ? typedFields : "") + ")::text)").formatted(fields.toArray());
    }
}
