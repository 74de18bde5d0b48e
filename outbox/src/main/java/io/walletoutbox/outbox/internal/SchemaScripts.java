package io.walletoutbox.outbox.internal;

import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxTables;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The outbox's versioned scripts ({@code io/walletoutbox/outbox/db/V1…V8}, the ones {@code OutboxSchema.migrate}
 * has always run) rendered for a configuration: every outbox name replaced by the {@link OutboxTables}' name (index
 * names unqualified, since an index lives in its table's schema), {@code ${shards}} by the shard count, and the
 * schema the security-definer function pins its {@code search_path} to by the configured schema (or, without one,
 * by the schema it is created in). One source for the Flyway migration, the printed DDL, the plain scripts and the
 * Liquibase changelog, so they cannot drift apart. No Flyway type is named here.
 */
public final class SchemaScripts {
    /** One versioned script. */
    public record Script(int version, String description, String resource) {
        /** The script's text as shipped (with its placeholders). */
        public String text() {
            try (InputStream in = SchemaScripts.class.getResourceAsStream("/io/walletoutbox/outbox/db/" + resource)) {
                if (in == null) {
                    throw new IllegalStateException("outbox script missing from the jar: " + resource);
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The scripts in order; a new version is added here and as a resource. */
    public static final List<Script> SCRIPTS = List.of(
            new Script(1, "outbox", "V1__outbox.sql"),
            new Script(2, "outbox blocking", "V2__outbox_blocking.sql"),
            new Script(3, "outbox mode", "V3__outbox_mode.sql"),
            new Script(4, "inbox retention", "V4__inbox_retention.sql"),
            new Script(5, "outbox append function", "V5__outbox_append_function.sql"),
            new Script(6, "inbox mark function", "V6__inbox_mark_function.sql"),
            new Script(7, "logical message privileges", "V7__logical_message_privileges.sql"),
            new Script(8, "outbox reindex function", "V8__outbox_reindex_function.sql"),
            new Script(9, "binary payloads", "V9__binary_payloads.sql"));

    /** Index names: qualified by nothing (CREATE INDEX takes no schema; the index goes to its table's). */
    private static final List<String> INDEXES =
            List.of("outbox_event_shard_id", "outbox_event_failing_key", "outbox_parked_key", "inbox_processed_at");

    /** Longest first, so that {@code outbox_event_shard_id} is not read as {@code outbox_event}. */
    private static final Pattern NAME = Pattern.compile("\\b("
            + String.join(
                    "|",
                    OutboxTables.NAMES.stream()
                            .sorted((a, b) -> b.length() - a.length())
                            .toList()) + ")\\b");

    private static final String PINNED = "SET search_path = pg_catalog, \"${flyway:defaultSchema}\", pg_temp";

    private SchemaScripts() {}

    /**
     * {@code script} for {@code config}: plain SQL, no placeholder left.
     *
     * @param script one of {@link #SCRIPTS}
     * @param config shards and tables
     * @return the SQL to run
     */
    public static String render(Script script, OutboxConfig config) {
        OutboxTables tables = config.tables();
        String text = script.text().replace("${shards}", Integer.toString(config.shards()));
        if (text.contains(PINNED)) {
            text = tables.schema().isPresent()
                    ? text.replace(
                            PINNED,
                            "SET search_path = pg_catalog, " + tables.schema().get() + ", pg_temp")
                    // No schema configured: pin the one the function is created in (Flyway's default schema is
                    // the connection's current schema too), once it exists.
                    : text.replace(PINNED, "") + """
                            DO $$
                            BEGIN
                                EXECUTE format('ALTER FUNCTION %I(integer) SET search_path = pg_catalog, %I, pg_temp',
                                    'outbox_event_reindex_if_empty', current_schema());
                            END
                            $$;
                            """;
        }
        if (text.contains("${")) {
            throw new IllegalStateException("placeholder left in " + script.resource());
        }
        Matcher m = NAME.matcher(text);
        StringBuilder out = new StringBuilder(text.length() + 256);
        while (m.find()) {
            String base = m.group(1);
            m.appendReplacement(
                    out, Matcher.quoteReplacement(INDEXES.contains(base) ? tables.localName(base) : tables.name(base)));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * Every script for {@code config}, one after the other, after creating the configured schema: the DDL a
     * deployment that owns its migrations runs once.
     *
     * @param config shards and tables
     * @return the SQL
     */
    public static String ddl(OutboxConfig config) {
        StringBuilder out = new StringBuilder();
        out.append("-- wallet-outbox schema, version ")
                .append(SCRIPTS.getLast().version())
                .append(", for ")
                .append(describe(config))
                .append('\n');
        config.tables()
                .schema()
                .ifPresent(s ->
                        out.append("CREATE SCHEMA IF NOT EXISTS ").append(s).append(";\n"));
        for (Script script : SCRIPTS) {
            out.append("\n-- V")
                    .append(script.version())
                    .append(' ')
                    .append(script.description())
                    .append('\n');
            out.append(render(script, config));
        }
        return out.toString();
    }

    /**
     * The scripts for {@code config} as a Liquibase formatted-SQL changelog: one changeset per version ({@code
     * walletoutbox:outbox-<prefix>V<n>}), each run as one statement (function bodies hold semicolons).
     *
     * @param config shards and tables
     * @return the changelog
     */
    public static String liquibase(OutboxConfig config) {
        StringBuilder out = new StringBuilder("--liquibase formatted sql\n");
        String id = "outbox-" + config.tables().schema().map(s -> s + ".").orElse("")
                + config.tables().prefix();
        config.tables()
                .schema()
                .ifPresent(s -> out.append("\n--changeset walletoutbox:")
                        .append(id)
                        .append("schema splitStatements:false\nCREATE SCHEMA IF NOT EXISTS ")
                        .append(s)
                        .append(";\n"));
        for (Script script : SCRIPTS) {
            out.append("\n--changeset walletoutbox:")
                    .append(id)
                    .append('V')
                    .append(script.version())
                    .append(" splitStatements:false\n--comment: ")
                    .append(script.description())
                    .append('\n')
                    .append(render(script, config));
        }
        return out.toString();
    }

    private static String describe(OutboxConfig config) {
        return config.shards() + " shards, "
                + config.tables().schema().map(s -> "schema " + s).orElse("the search_path")
                + (config.tables().prefix().isEmpty()
                        ? ""
                        : ", table prefix " + config.tables().prefix());
    }
}
