package io.walletoutbox.outbox;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the outbox's tables and functions live: an optional schema and a table prefix, applied to every name the
 * libraries use (the outbox, shards, parked events, inbox and mode tables, their indexes, the server-side functions,
 * the CDC relay's offset table {@code relay_cdc_offset}) and to the prefix of the CDC path's logical decoding messages. One object, given to
 * the writer ({@link OutboxConfig}), the inbox, the admin, the schema tools and the relays, so they all agree.
 *
 * <p>{@link #DEFAULTS} (no schema, no prefix) are the names this project has always used: {@code outbox_event},
 * {@code inbox}, … resolved through the connection's {@code search_path}, and messages prefixed {@code
 * walletoutbox.outbox}; existing deployments keep them. {@code OutboxTables.of("shop", "shop_")} makes {@code
 * shop.shop_outbox_event}, {@code shop.shop_inbox}, … and messages prefixed {@code walletoutbox.outbox:shop.shop_},
 * so two services' outboxes in one database never read each other's events.
 *
 * <p>Names are plain lower-case SQL identifiers (letters, digits, underscores), so they are never quoted.
 *
 * @param schema the schema, or empty for the connection's {@code search_path}
 * @param prefix prepended to every table, index and function name (may be empty)
 */
public record OutboxTables(Optional<String> schema, String prefix) {
    /** Today's names: no schema (the {@code search_path}), no prefix. */
    public static final OutboxTables DEFAULTS = new OutboxTables(Optional.empty(), "");

    /** The longest base name ({@code outbox_event_reindex_if_empty}) plus the prefix must fit PostgreSQL's 63. */
    private static final int MAX_PREFIX = 30;

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*");
    private static final Pattern TOKEN = Pattern.compile("\\{([a-z_]+)}");

    /** Every base name the libraries use; {@link #render} knows these and refuses others. */
    public static final Set<String> NAMES = Set.of(
            "outbox_event",
            "outbox_shard",
            "outbox_parked",
            "outbox_mode",
            "inbox",
            "outbox_event_shard_id",
            "outbox_event_failing_key",
            "outbox_parked_key",
            "inbox_processed_at",
            "outbox_append",
            "inbox_mark_processed",
            "outbox_event_reindex_if_empty",
            "outbox_schema_history",
            "relay_cdc_offset");

    private static final String DEFAULT_MESSAGE_PREFIX = "walletoutbox.outbox";

    /**
     * Tables in {@code schema} named with {@code prefix} ({@link #of} takes null for either).
     *
     * @throws IllegalArgumentException when the schema is not a lower-case identifier of at most 63 characters, or
     *     the prefix is neither empty nor one of at most 30
     */
    public OutboxTables {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(prefix, "prefix");
        schema.ifPresent(s -> {
            if (!IDENTIFIER.matcher(s).matches() || s.length() > 63) {
                throw new IllegalArgumentException("schema must be a lower-case identifier of at most 63 characters"
                        + " (letters, digits, underscores), was '" + s + "'");
            }
        });
        if (!prefix.isEmpty() && (!IDENTIFIER.matcher(prefix).matches() || prefix.length() > MAX_PREFIX)) {
            throw new IllegalArgumentException("table prefix must be a lower-case identifier of at most " + MAX_PREFIX
                    + " characters (letters, digits, underscores), was '" + prefix + "'");
        }
    }

    /**
     * Tables in {@code schema} (null or empty: the {@code search_path}) named with {@code prefix} (null: none).
     *
     * @param schema the schema, or null
     * @param prefix the prefix, or null
     * @return the naming
     */
    public static OutboxTables of(String schema, String prefix) {
        return new OutboxTables(Optional.ofNullable(schema).filter(s -> !s.isEmpty()), prefix == null ? "" : prefix);
    }

    /**
     * The name of {@code base} as statements write it: {@code schema.prefix+base}, or {@code prefix+base}.
     *
     * @param base one of {@link #NAMES}
     * @return the qualified name
     * @throws IllegalArgumentException for a name the libraries do not use
     */
    public String name(String base) {
        if (!NAMES.contains(base)) {
            throw new IllegalArgumentException("not an outbox name: " + base);
        }
        return schema.map(s -> s + ".").orElse("") + prefix + base;
    }

    /**
     * The unqualified name of {@code base} (no schema): for indexes, whose schema is always their table's.
     *
     * @param base one of {@link #NAMES}
     * @return {@code prefix+base}
     */
    public String localName(String base) {
        name(base);
        return prefix + base;
    }

    /**
     * {@code sql} with every {@code {base}} token replaced by {@link #name(String) name(base)} (index names in DDL
     * take {@link #localName}). Other text, such as {@code '{}'::jsonb}, is kept.
     *
     * @param sql a statement written with tokens, e.g. {@code DELETE FROM {outbox_event} WHERE id = :id}
     * @return the statement for these tables
     * @throws IllegalArgumentException when a token is not one of {@link #NAMES}
     */
    public String render(String sql) {
        Matcher m = TOKEN.matcher(sql);
        StringBuilder out = new StringBuilder(sql.length() + 32);
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(name(m.group(1))));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * The prefix of the logical decoding messages that carry this outbox's events on the CDC path: {@code
     * walletoutbox.outbox} for {@link #DEFAULTS}, else {@code walletoutbox.outbox:<schema>.<prefix>} (schema empty
     * when none), so that the CDC relay of one outbox never takes another's messages for its own.
     *
     * @return the message prefix
     */
    public String messagePrefix() {
        if (equals(DEFAULTS)) {
            return DEFAULT_MESSAGE_PREFIX;
        }
        return DEFAULT_MESSAGE_PREFIX + ":" + schema.orElse("") + "." + prefix;
    }

    /**
     * The tokens of {@link #render} mapped to their names, for tools that render SQL themselves.
     *
     * @return base name to qualified name
     */
    public Map<String, String> names() {
        return NAMES.stream().collect(java.util.stream.Collectors.toUnmodifiableMap(n -> n, this::name));
    }

    @Override
    public String toString() {
        return equals(DEFAULTS) ? "default outbox tables" : "outbox tables " + name("outbox_event") + "…";
    }
}
