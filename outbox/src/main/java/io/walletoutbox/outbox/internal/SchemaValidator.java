package io.walletoutbox.outbox.internal;

import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.outbox.internal.sql.Jdbc;
import io.walletoutbox.outbox.internal.sql.NamedSql;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Checks that a database holds the outbox of a configuration: every table with the columns the libraries read and
 * write, the server-side functions, and one shard row per configured shard. Reads the catalog only (no privilege
 * on the tables is needed, except SELECT on the shard table for the shard check).
 */
public final class SchemaValidator {
    /** The columns each table must have (more are allowed: an adopter may add its own). */
    private static final Map<String, List<String>> COLUMNS = columns();

    /** The functions, with their argument types. */
    private static final Map<String, String> FUNCTIONS = Map.of(
            "outbox_append", "(text,text,uuid,integer,text,text,text,text,text,jsonb,timestamptz)",
            "inbox_mark_processed", "(text,uuid)",
            "outbox_event_reindex_if_empty", "(integer)");

    private static final NamedSql TABLE_COLUMNS = NamedSql.of("""
            SELECT a.attname FROM pg_attribute a
            WHERE a.attrelid = to_regclass(:table) AND a.attnum > 0 AND NOT a.attisdropped
            """);
    private static final NamedSql EXISTS = NamedSql.of("SELECT to_regclass(:table) IS NOT NULL");
    private static final NamedSql FUNCTION = NamedSql.of("SELECT to_regprocedure(:function) IS NOT NULL");

    private SchemaValidator() {}

    private static Map<String, List<String>> columns() {
        List<String> event = List.of(
                "id",
                "event_id",
                "shard",
                "aggregate_type",
                "aggregate_id",
                "event_type",
                "topic",
                "payload",
                "payload_bytes",
                "content_type",
                "headers",
                "created_at",
                "attempts",
                "last_error");
        List<String> parked = new ArrayList<>(event);
        parked.add("parked_at");
        Map<String, List<String>> columns = new LinkedHashMap<>();
        columns.put("outbox_event", event);
        columns.put("outbox_shard", List.of("shard", "last_published"));
        columns.put("outbox_parked", List.copyOf(parked));
        columns.put("inbox", List.of("consumer", "event_id", "processed_at"));
        columns.put("outbox_mode", List.of("singleton", "mode", "recorded_at"));
        return Map.copyOf(columns);
    }

    /**
     * What is missing or wrong, one line each; empty when the database holds the outbox of {@code config}.
     *
     * @param dataSource the database
     * @param config shards and tables
     * @return the problems
     */
    public static List<String> problems(DataSource dataSource, OutboxConfig config) {
        OutboxTables tables = config.tables();
        return Jdbc.inTransaction(dataSource, "outbox schema validation", c -> {
            List<String> problems = new ArrayList<>();
            for (String base : List.of("outbox_event", "outbox_shard", "outbox_parked", "inbox", "outbox_mode")) {
                String table = tables.name(base);
                if (!EXISTS.on(c).bind("table", table).one(rs -> rs.getBoolean(1))) {
                    problems.add("table " + table + " is missing");
                    continue;
                }
                List<String> present = TABLE_COLUMNS.on(c).bind("table", table).list(rs -> rs.getString(1));
                for (String column : COLUMNS.get(base)) {
                    if (!present.contains(column)) {
                        problems.add("table " + table + " has no column " + column);
                    }
                }
            }
            for (Map.Entry<String, String> f : FUNCTIONS.entrySet()) {
                String function = tables.name(f.getKey()) + f.getValue();
                if (!FUNCTION.on(c).bind("function", function).one(rs -> rs.getBoolean(1))) {
                    problems.add("function " + function + " is missing");
                }
            }
            if (problems.stream().noneMatch(p -> p.startsWith("table " + tables.name("outbox_shard") + " "))) {
                Optional<String> shards = NamedSql.of(
                                        tables.render(
                                                "SELECT count(*) = :n AND min(shard) = 0 AND max(shard) = :n - 1 FROM {outbox_shard}"))
                                .on(c)
                                .bind("n", config.shards())
                                .one(rs -> rs.getBoolean(1))
                        ? Optional.empty()
                        : Optional.of(tables.name("outbox_shard") + " does not hold shards 0.." + (config.shards() - 1)
                                + " (the configured " + config.shards() + "): every writer and relay of one outbox"
                                + " must use the shard count its schema was made with");
                shards.ifPresent(problems::add);
            }
            return problems;
        });
    }
}
