package io.walletoutbox.relay.cdc;

import static io.walletoutbox.relay.cdc.CdcConfigChecks.requireIdentifier;
import static io.walletoutbox.relay.cdc.CdcConfigChecks.requirePositive;
import static io.walletoutbox.relay.cdc.CdcConfigChecks.requireRange;
import static io.walletoutbox.relay.cdc.CdcConfigChecks.requireTable;

import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.relay.ParkingPolicy;
import io.walletoutbox.relay.RecordMapping;
import io.walletoutbox.relay.RelayTopics;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Configuration of the CDC relay, immutable; made by {@link #builder} and copied with changes through {@link
 * #toBuilder()}. Each value is documented on its {@link CdcConfigBuilder} method.
 */
public final class CdcConfig {
    private final String instanceId;
    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final String slotName;
    private final String publicationName;
    private final OutboxTables tables;
    private final String offsetsTable;
    /** Whether {@link #offsetsTable} was set, rather than derived from {@link #tables} (kept by toBuilder). */
    private final boolean offsetsTableSet;

    private final Duration heartbeatInterval;
    private final int maxBatchSize;
    private final Duration pollInterval;
    private final int maxAttempts;
    private final Duration retryBackoff;
    private final Duration maxRetryBackoff;
    private final Map<String, ParkingPolicy> parkingPolicies;
    private final Set<String> topics;
    private final RecordMapping recordMapping;

    CdcConfig(CdcConfigBuilder b) {
        instanceId = Objects.requireNonNull(b.instanceId, "instanceId");
        if (instanceId.isBlank()) {
            throw new IllegalArgumentException("instanceId must not be blank");
        }
        jdbcUrl = Objects.requireNonNull(b.jdbcUrl, "jdbcUrl");
        if (!CdcJdbcUrl.matches(jdbcUrl)) {
            throw new IllegalArgumentException(
                    "jdbcUrl must be jdbc:postgresql://host[:port][,host[:port]…]/database, was " + jdbcUrl);
        }
        user = Objects.requireNonNull(b.user, "user");
        password = Objects.requireNonNull(b.password, "password");
        slotName = requireIdentifier(b.slotName, "slotName");
        publicationName = requireIdentifier(b.publicationName, "publicationName");
        tables = Objects.requireNonNull(b.tables, "tables");
        offsetsTableSet = b.offsetsTableSet;
        offsetsTable = requireTable(offsetsTableSet ? b.offsetsTable : tables.name("relay_cdc_offset"), "offsetsTable");
        heartbeatInterval = requirePositive(b.heartbeatInterval, "heartbeatInterval");
        maxBatchSize = requireRange(b.maxBatchSize, 1, 100_000, "maxBatchSize");
        pollInterval = requirePositive(b.pollInterval, "pollInterval");
        maxAttempts = requireRange(b.maxAttempts, 1, Integer.MAX_VALUE, "maxAttempts");
        retryBackoff = requirePositive(b.retryBackoff, "retryBackoff");
        maxRetryBackoff = requirePositive(b.maxRetryBackoff, "maxRetryBackoff");
        if (maxRetryBackoff.compareTo(retryBackoff) < 0) {
            throw new IllegalArgumentException("maxRetryBackoff must be >= retryBackoff");
        }
        parkingPolicies = ParkingPolicy.copyOf(b.parkingPolicies);
        topics = RelayTopics.copyOf(b.topics);
        recordMapping = Objects.requireNonNull(b.recordMapping, "recordMapping");
    }

    /**
     * A builder with the defaults: slot {@code walletoutbox_<database>} ({@link #defaultSlotName}), publication
     * {@code walletoutbox_outbox}, the {@link OutboxTables#DEFAULTS default tables}, offsets in {@code
     * relay_cdc_offset}, a heartbeat every 10 s, batches of up to
     * 2048 events, 10 ms poll interval, parking after 5 rejections, retries from 100 ms to 10 s, every topic {@link
     * ParkingPolicy#SKIP}, records shaped by {@link RecordMapping#CLOUD_EVENTS}, and no topics yet: a relay needs {@link CdcConfigBuilder#topics}, the slot's tools ({@link
     * CdcSlots}) do not.
     *
     * @param instanceId name of this relay instance, in logs, thread names and the metrics' {@code instance} tag
     * @param jdbcUrl the outbox database, {@code jdbc:postgresql://host[:port][,host[:port]…]/database[?…]};
     *     Debezium opens a replication connection to it, so the user needs the {@code REPLICATION} attribute (or to
     *     be a superuser). With several hosts (a primary and its standbys), each start of the engine connects to
     *     the one that is the primary at that moment ({@link #hosts()}), so the relay follows a promotion
     * @param user database user
     * @param password database password (may be empty); {@link #toString()} never shows it
     * @return a new builder
     */
    public static CdcConfigBuilder builder(String instanceId, String jdbcUrl, String user, String password) {
        return new CdcConfigBuilder(instanceId, jdbcUrl, user, password);
    }

    /**
     * A builder holding this configuration's values, to make a copy with some of them changed.
     *
     * @return a new builder with this configuration's values
     */
    public CdcConfigBuilder toBuilder() {
        return new CdcConfigBuilder(this);
    }

    /**
     * {@code walletoutbox_} and the database's name in lower case, every character but {@code a-z0-9_} made
     * {@code _}, cut to PostgreSQL's 63 characters. Slot names are shared by every database of a PostgreSQL
     * cluster, so two deployments on two databases of one cluster must not share one.
     *
     * @param database the database's name
     * @return the slot name
     */
    public static String defaultSlotName(String database) {
        String name = "walletoutbox_" + database.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        return name.length() > 63 ? name.substring(0, 63) : name;
    }

    /**
     * Name of this relay instance ({@link #builder}).
     *
     * @return the instance name
     */
    public String instanceId() {
        return instanceId;
    }

    /**
     * The outbox database ({@link #builder}).
     *
     * @return the JDBC URL
     */
    public String jdbcUrl() {
        return jdbcUrl;
    }

    /**
     * Database user ({@link #builder}).
     *
     * @return the user
     */
    public String user() {
        return user;
    }

    /**
     * Database password, perhaps empty ({@link #builder}).
     *
     * @return the password
     */
    public String password() {
        return password;
    }

    /**
     * The logical replication slot ({@link CdcConfigBuilder#slotName}).
     *
     * @return the slot's name
     */
    public String slotName() {
        return slotName;
    }

    /**
     * The publication ({@link CdcConfigBuilder#publicationName}).
     *
     * @return the publication's name
     */
    public String publicationName() {
        return publicationName;
    }

    /**
     * Where the outbox's tables live and the prefix of its logical decoding messages ({@link
     * CdcConfigBuilder#tables}).
     *
     * @return the outbox's tables
     */
    public OutboxTables tables() {
        return tables;
    }

    /**
     * The table of Debezium's offsets, perhaps schema-qualified: the one set ({@link CdcConfigBuilder#offsetsTable}),
     * else {@code relay_cdc_offset} in {@link #tables()}.
     *
     * @return the offsets table's name
     */
    public String offsetsTable() {
        return offsetsTable;
    }

    /**
     * How often the relay writes and confirms a heartbeat WAL message ({@link CdcConfigBuilder#heartbeatInterval}).
     *
     * @return the heartbeat interval
     */
    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /**
     * Most change events handed to the relay at once ({@link CdcConfigBuilder#maxBatchSize}).
     *
     * @return the batch size, 1..100,000
     */
    public int maxBatchSize() {
        return maxBatchSize;
    }

    /**
     * How long Debezium waits for more changes ({@link CdcConfigBuilder#pollInterval}).
     *
     * @return the poll interval
     */
    public Duration pollInterval() {
        return pollInterval;
    }

    /**
     * Permanent rejections of a record after which it is parked ({@link CdcConfigBuilder#maxAttempts}).
     *
     * @return the attempts before parking
     */
    public int maxAttempts() {
        return maxAttempts;
    }

    /**
     * First wait after a failed send ({@link CdcConfigBuilder#retryBackoff}).
     *
     * @return the first retry wait
     */
    public Duration retryBackoff() {
        return retryBackoff;
    }

    /**
     * Longest wait between failed sends ({@link CdcConfigBuilder#maxRetryBackoff}).
     *
     * @return the longest retry wait
     */
    public Duration maxRetryBackoff() {
        return maxRetryBackoff;
    }

    /**
     * The parking policy of each topic that has one set, unmodifiable ({@link CdcConfigBuilder#parkingPolicy}).
     *
     * @return the policies by topic
     */
    public Map<String, ParkingPolicy> parkingPolicies() {
        return parkingPolicies;
    }

    /**
     * The parking policy of {@code topic}: the one set for it, else {@link ParkingPolicy#SKIP}.
     *
     * @param topic a topic
     * @return its parking policy
     */
    public ParkingPolicy policyOf(String topic) {
        return parkingPolicies.getOrDefault(topic, ParkingPolicy.SKIP);
    }

    /**
     * The topics this relay publishes to, sorted and unmodifiable ({@link CdcConfigBuilder#topics(Set)}).
     *
     * @return the topics
     */
    public Set<String> topics() {
        return topics;
    }

    /**
     * How events become Kafka records ({@link CdcConfigBuilder#recordMapping}).
     *
     * @return the record mapping
     */
    public RecordMapping recordMapping() {
        return recordMapping;
    }

    /**
     * The hosts of {@link #jdbcUrl()}, in the URL's order (one unless the URL lists a primary and its standbys).
     *
     * @return the hosts, at least one
     */
    public List<CdcHost> hosts() {
        return CdcJdbcUrl.hosts(jdbcUrl);
    }

    /**
     * The first host of {@link #jdbcUrl()}.
     *
     * @return the host name or address
     */
    public String host() {
        return hosts().getFirst().host();
    }

    /**
     * The port of the first host of {@link #jdbcUrl()}, 5432 when it names none.
     *
     * @return the port
     */
    public int port() {
        return hosts().getFirst().port();
    }

    /**
     * The parameters of {@link #jdbcUrl()} ({@code ?…}, or empty) without {@code targetServerType}, for a connection
     * to one of its {@link #hosts()}.
     *
     * @return {@code ?…} or the empty string
     */
    public String singleHostQuery() {
        return CdcJdbcUrl.singleHostQuery(jdbcUrl);
    }

    /**
     * The database name of {@link #jdbcUrl()}.
     *
     * @return the database name
     */
    public String database() {
        return CdcJdbcUrl.database(jdbcUrl);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CdcConfig c
                && instanceId.equals(c.instanceId)
                && jdbcUrl.equals(c.jdbcUrl)
                && user.equals(c.user)
                && password.equals(c.password)
                && slotName.equals(c.slotName)
                && publicationName.equals(c.publicationName)
                && tables.equals(c.tables)
                && offsetsTable.equals(c.offsetsTable)
                && heartbeatInterval.equals(c.heartbeatInterval)
                && maxBatchSize == c.maxBatchSize
                && pollInterval.equals(c.pollInterval)
                && maxAttempts == c.maxAttempts
                && retryBackoff.equals(c.retryBackoff)
                && maxRetryBackoff.equals(c.maxRetryBackoff)
                && parkingPolicies.equals(c.parkingPolicies)
                && topics.equals(c.topics)
                && recordMapping.equals(c.recordMapping);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                instanceId, jdbcUrl, user, slotName, publicationName, tables, maxBatchSize, topics, recordMapping);
    }

    /** Every value, the password shown only as {@code <redacted>} or {@code <none>}. */
    @Override
    public String toString() {
        return "CdcConfig[instanceId=" + instanceId + ", jdbcUrl=" + jdbcUrl + ", user=" + user + ", password="
                + (password.isEmpty() ? "<none>" : "<redacted>") + ", slotName=" + slotName + ", publicationName="
                + publicationName + ", tables=" + tables + ", offsetsTable=" + offsetsTable + ", heartbeatInterval="
                + heartbeatInterval
                + ", maxBatchSize=" + maxBatchSize + ", pollInterval=" + pollInterval + ", maxAttempts="
                + maxAttempts + ", retryBackoff=" + retryBackoff + ", maxRetryBackoff=" + maxRetryBackoff
                + ", parkingPolicies=" + parkingPolicies + ", topics=" + topics + ", recordMapping=" + recordMapping
                + "]";
    }

    /** For {@link CdcConfigBuilder}'s copy: the offsets table as set, or null when it was derived. */
    String offsetsTableAsSet() {
        return offsetsTableSet ? offsetsTable : null;
    }
}
