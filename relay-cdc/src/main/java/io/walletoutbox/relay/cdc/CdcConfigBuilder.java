package io.walletoutbox.relay.cdc;

import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.relay.ParkingPolicy;
import io.walletoutbox.relay.RecordMapping;
import io.walletoutbox.relay.RelayTopics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds a {@link CdcConfig}. Setters only record values; {@link #build()} checks them all and says which one
 * is out of range. A builder may be reused: each {@code build()} makes an independent configuration.
 */
public final class CdcConfigBuilder {
    final String instanceId;
    final String jdbcUrl;
    final String user;
    final String password;
    String slotName;
    String publicationName = "walletoutbox_outbox";
    OutboxTables tables = OutboxTables.DEFAULTS;
    String offsetsTable;
    boolean offsetsTableSet;
    Duration heartbeatInterval = Duration.ofSeconds(10);
    int maxBatchSize = 2048;
    Duration pollInterval = Duration.ofMillis(10);
    int maxAttempts = 5;
    Duration retryBackoff = Duration.ofMillis(100);
    Duration maxRetryBackoff = Duration.ofSeconds(10);
    Map<String, ParkingPolicy> parkingPolicies = new HashMap<>();
    Set<String> topics = Set.of();
    RecordMapping recordMapping = RecordMapping.CLOUD_EVENTS;

    CdcConfigBuilder(String instanceId, String jdbcUrl, String user, String password) {
        this.instanceId = instanceId;
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        // A bad URL fails in build(), with its own message.
        slotName = jdbcUrl != null && CdcJdbcUrl.matches(jdbcUrl)
                ? CdcConfig.defaultSlotName(CdcJdbcUrl.database(jdbcUrl))
                : "walletoutbox_outbox";
    }

    CdcConfigBuilder(CdcConfig c) {
        instanceId = c.instanceId();
        jdbcUrl = c.jdbcUrl();
        user = c.user();
        password = c.password();
        slotName = c.slotName();
        publicationName = c.publicationName();
        tables = c.tables();
        offsetsTable = c.offsetsTableAsSet();
        offsetsTableSet = offsetsTable != null;
        heartbeatInterval = c.heartbeatInterval();
        maxBatchSize = c.maxBatchSize();
        pollInterval = c.pollInterval();
        maxAttempts = c.maxAttempts();
        retryBackoff = c.retryBackoff();
        maxRetryBackoff = c.maxRetryBackoff();
        parkingPolicies = new HashMap<>(c.parkingPolicies());
        topics = c.topics();
        recordMapping = c.recordMapping();
    }

    /**
     * The logical replication slot (a lower-case SQL identifier), created at start when absent; one per
     * database and relay deployment: the slot admits one reader at a time, so further instances wait as
     * standbys. Default {@link CdcConfig#defaultSlotName} of the URL's database.
     *
     * @param slotName the slot's name
     * @return this builder
     */
    public CdcConfigBuilder slotName(String slotName) {
        this.slotName = slotName;
        return this;
    }

    /**
     * The publication (a lower-case SQL identifier), created at start when absent; it lists no table, since the
     * outbox events are logical decoding messages, which {@code pgoutput} sends whatever the publication holds.
     * A publication belongs to its database. Default {@code walletoutbox_outbox}.
     *
     * @param publicationName the publication's name
     * @return this builder
     */
    public CdcConfigBuilder publicationName(String publicationName) {
        this.publicationName = publicationName;
        return this;
    }

    /**
     * Where the outbox's tables live ({@code OutboxTables}; give the relay the writer's): its parked events go to
     * that {@code outbox_parked}, it reads only the logical decoding messages with that {@link
     * OutboxTables#messagePrefix() prefix} (so two outboxes in one database never take each other's events), and
     * its offsets go to that {@code relay_cdc_offset} unless {@link #offsetsTable} is set. The slot and publication
     * names do not follow it: set them ({@link #slotName}, {@link #publicationName}) for a second outbox of the
     * database. Default {@link OutboxTables#DEFAULTS}.
     *
     * @param tables the writer's tables
     * @return this builder
     */
    public CdcConfigBuilder tables(OutboxTables tables) {
        this.tables = tables;
        return this;
    }

    /**
     * The table that keeps Debezium's offsets (created when absent), a lower-case identifier, perhaps qualified by
     * its schema ({@code schema.table}); set, it wins over {@link #tables}. Default {@code relay_cdc_offset} in
     * {@link #tables}: {@code relay_cdc_offset} for the default tables.
     *
     * @param offsetsTable the table's name, {@code table} or {@code schema.table}
     * @return this builder
     */
    public CdcConfigBuilder offsetsTable(String offsetsTable) {
        this.offsetsTable = offsetsTable;
        this.offsetsTableSet = true;
        return this;
    }

    /**
     * How often the relay writes a tiny non-transactional WAL message and confirms it, so an idle outbox does
     * not hold back WAL that other databases of the cluster write. Default 10 s.
     *
     * @param heartbeatInterval the interval between heartbeats
     * @return this builder
     */
    public CdcConfigBuilder heartbeatInterval(Duration heartbeatInterval) {
        this.heartbeatInterval = heartbeatInterval;
        return this;
    }

    /**
     * Most change events handed to the relay at once, 1..100,000. Default 2048.
     *
     * @param maxBatchSize the most change events per batch
     * @return this builder
     */
    public CdcConfigBuilder maxBatchSize(int maxBatchSize) {
        this.maxBatchSize = maxBatchSize;
        return this;
    }

    /**
     * How long Debezium waits for more changes before handing over a smaller batch. Default 10 ms.
     *
     * @param pollInterval how long Debezium waits for more changes
     * @return this builder
     */
    public CdcConfigBuilder pollInterval(Duration pollInterval) {
        this.pollInterval = pollInterval;
        return this;
    }

    /**
     * A record Kafka rejects for good this many times is parked in {@code outbox_parked}. Default 5.
     *
     * @param maxAttempts permanent rejections before a record is parked
     * @return this builder
     */
    public CdcConfigBuilder maxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
        return this;
    }

    /**
     * First wait after a failed send (Kafka away), doubled up to {@link #maxRetryBackoff}. Default 100 ms.
     *
     * @param retryBackoff the first wait after a failed send
     * @return this builder
     */
    public CdcConfigBuilder retryBackoff(Duration retryBackoff) {
        this.retryBackoff = retryBackoff;
        return this;
    }

    /**
     * Longest wait between failed sends, at least {@link #retryBackoff}. Default 10 s.
     *
     * @param maxRetryBackoff the longest wait between failed sends
     * @return this builder
     */
    public CdcConfigBuilder maxRetryBackoff(Duration maxRetryBackoff) {
        this.maxRetryBackoff = maxRetryBackoff;
        return this;
    }

    /**
     * The parking policy of {@code topic}, replacing an earlier one. {@link ParkingPolicy#BLOCK} sends a key's
     * events one after the other, each after the previous one's ack, and stops the key at its first failure, so
     * no event of a key overtakes an earlier one that failed (a timeout while Kafka is away), at a round trip
     * per event of one key; topics without a policy use {@link ParkingPolicy#SKIP} (a batch pipelined, as fast
     * as the producer goes). Unlike the polling relay, a parked event does not hold its key's later events
     * back: the WAL stream is one sequence for every key, and holding one key would hold them all.
     *
     * @param topic a topic
     * @param policy its policy
     * @return this builder
     */
    public CdcConfigBuilder parkingPolicy(String topic, ParkingPolicy policy) {
        parkingPolicies.put(topic, policy);
        return this;
    }

    /**
     * The parking policy of each topic, replacing every policy set before (see {@link #parkingPolicy}).
     *
     * @param policies the policy of each topic; copied
     * @return this builder
     * @throws NullPointerException when {@code policies} is null
     */
    public CdcConfigBuilder parkingPolicies(Map<String, ParkingPolicy> policies) {
        this.parkingPolicies = new HashMap<>(Objects.requireNonNull(policies, "parkingPolicies"));
        return this;
    }

    /**
     * The topics this relay publishes to ({@link RelayTopics}), replacing those set before: a message with the
     * outbox's prefix that names any other topic is never sent, it is parked at once for an operator and
     * counted ({@code relay.foreign.topic}). None by default; a relay is not created without any.
     *
     * @param topics the topics; checked by {@link #build()}
     * @return this builder
     */
    public CdcConfigBuilder topics(Set<String> topics) {
        this.topics = topics;
        return this;
    }

    /**
     * As {@link #topics(Set)}, with {@code topic} and {@code more}.
     *
     * @param topic a topic
     * @param more further topics
     * @return this builder
     * @throws IllegalArgumentException when a topic is not a legal Kafka topic name
     */
    public CdcConfigBuilder topics(String topic, String... more) {
        return topics(RelayTopics.of(topic, more));
    }

    /**
     * How events become Kafka records: {@link RecordMapping#CLOUD_EVENTS} (the default, the polling relay's) or
     * {@link RecordMapping#DEBEZIUM_OUTBOX}, or a mapping of your own; give both relays of a deployment the same one.
     *
     * @param recordMapping the mapping
     * @return this builder
     */
    public CdcConfigBuilder recordMapping(RecordMapping recordMapping) {
        this.recordMapping = recordMapping;
        return this;
    }

    /**
     * The configuration.
     *
     * @return a new configuration
     * @throws IllegalArgumentException when a value is out of range or malformed (the message names it)
     * @throws NullPointerException when a value, a topic or a parking policy is null
     */
    public CdcConfig build() {
        return new CdcConfig(this);
    }
}
