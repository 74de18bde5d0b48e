package io.walletoutbox.relay.cdc;

import io.walletoutbox.relay.ParkingPolicy;
import io.walletoutbox.relay.RelayTopics;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Configuration of the CDC relay.
 *
 * @param instanceId name of this relay instance, in logs, thread names and the metrics' {@code instance} tag
 * @param jdbcUrl the outbox database, {@code jdbc:postgresql://host[:port][,host[:port]…]/database[?…]}; Debezium
 *     opens a replication connection to it, so the user needs the {@code REPLICATION} attribute (or to be a
 *     superuser). With several hosts (a primary and its standbys), each start of the engine connects to the one
 *     that is the primary at that moment ({@link #hosts()}), so the relay follows a promotion
 * @param user database user
 * @param password database password (may be empty)
 * @param slotName the logical replication slot, created at start when absent; one per database and relay
 *     deployment: the slot admits one reader at a time, so further instances wait as standbys
 * @param publicationName the publication, created at start when absent; it lists no table, since the outbox
 *     events are logical decoding messages, which {@code pgoutput} sends whatever the publication holds
 * @param offsetsTable the table that keeps Debezium's offsets (created when absent)
 * @param heartbeatInterval how often the relay writes a tiny non-transactional WAL message and confirms it, so an
 *     idle outbox does not hold back WAL that other databases of the cluster write
 * @param maxBatchSize most change events handed to the relay at once
 * @param pollInterval how long Debezium waits for more changes before handing over a smaller batch
 * @param maxAttempts a record Kafka rejects for good this many times is parked in {@code outbox_parked}
 * @param retryBackoff first wait after a failed send (Kafka away), doubled up to {@code maxRetryBackoff}
 * @param maxRetryBackoff longest wait between failed sends
 * @param parkingPolicies per topic, {@link ParkingPolicy#BLOCK} to send a key's events one after the other, each
 *     after the previous one's ack, and stop the key at its first failure, so no event of a key overtakes an
 *     earlier one that failed (a timeout while Kafka is away), at a round trip per event of one key; topics not
 *     listed use {@link ParkingPolicy#SKIP} (a batch pipelined, as fast as the producer goes). Unlike the polling
 *     relay, a parked event does not hold its key's later events back: the WAL stream is one sequence for every
 *     key, and holding one key would hold them all
 * @param topics the topics this relay publishes to ({@link RelayTopics}): a message with the outbox's prefix that
 *     names any other topic is never sent, it is parked at once for an operator and counted ({@code
 *     relay.foreign.topic}). Must name at least one topic for a relay to be created ({@link #withTopics}); empty
 *     in {@link #defaults}, which also serves the slot's tools ({@link CdcSlots}), which publish nothing
 */
public record CdcConfig(
        String instanceId,
        String jdbcUrl,
        String user,
        String password,
        String slotName,
        String publicationName,
        String offsetsTable,
        Duration heartbeatInterval,
        int maxBatchSize,
        Duration pollInterval,
        int maxAttempts,
        Duration retryBackoff,
        Duration maxRetryBackoff,
        Map<String, ParkingPolicy> parkingPolicies,
        Set<String> topics) {

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final Pattern URL = Pattern.compile("jdbc:postgresql://([^/?,]+(?:,[^/?,]+)*)/([^/?]+)(\\?.*)?");

    public CdcConfig {
        Objects.requireNonNull(instanceId, "instanceId");
        if (instanceId.isBlank()) {
            throw new IllegalArgumentException("instanceId must not be blank");
        }
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (!URL.matcher(jdbcUrl).matches()) {
            throw new IllegalArgumentException(
                    "jdbcUrl must be jdbc:postgresql://host[:port][,host[:port]…]/database, was " + jdbcUrl);
        }
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        requireIdentifier(slotName, "slotName");
        requireIdentifier(publicationName, "publicationName");
        requireIdentifier(offsetsTable, "offsetsTable");
        requirePositive(heartbeatInterval, "heartbeatInterval");
        if (maxBatchSize < 1 || maxBatchSize > 100_000) {
            throw new IllegalArgumentException("maxBatchSize must be 1..100000, was " + maxBatchSize);
        }
        requirePositive(pollInterval, "pollInterval");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
        }
        requirePositive(retryBackoff, "retryBackoff");
        requirePositive(maxRetryBackoff, "maxRetryBackoff");
        if (maxRetryBackoff.compareTo(retryBackoff) < 0) {
            throw new IllegalArgumentException("maxRetryBackoff must be >= retryBackoff");
        }
        parkingPolicies = ParkingPolicy.copyOf(parkingPolicies);
        topics = RelayTopics.copyOf(topics);
    }

    /**
     * Sensible defaults: slot {@code walletoutbox_<database>} (slot names are shared by every database of a
     * PostgreSQL cluster, so two deployments on two databases of one cluster must not share one; see {@link
     * #defaultSlotName}), publication {@code walletoutbox_outbox} (a publication belongs to its database), offsets in
     * {@code relay_cdc_offset}, a heartbeat every 10 s, batches of up to 2048 events, 10 ms poll interval, parking
     * after 5 rejections, retries from 100 ms to 10 s, every topic {@link ParkingPolicy#SKIP}, no topics yet (a
     * relay needs {@link #withTopics}).
     */
    public static CdcConfig defaults(String instanceId, String jdbcUrl, String user, String password) {
        var url = URL.matcher(jdbcUrl == null ? "" : jdbcUrl);
        return new CdcConfig(
                instanceId,
                jdbcUrl,
                user,
                password,
                url.matches() ? defaultSlotName(url.group(2)) : "walletoutbox_outbox", // a bad URL fails below
                "walletoutbox_outbox",
                "relay_cdc_offset",
                Duration.ofSeconds(10),
                2048,
                Duration.ofMillis(10),
                5,
                Duration.ofMillis(100),
                Duration.ofSeconds(10),
                Map.of(),
                Set.of());
    }

    /**
     * {@code walletoutbox_} and the database's name in lower case, every character but {@code a-z0-9_} made
     * {@code _}, cut to PostgreSQL's 63 characters.
     */
    public static String defaultSlotName(String database) {
        String name =
                "walletoutbox_" + database.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        return name.length() > 63 ? name.substring(0, 63) : name;
    }

    /** This configuration with another slot and publication name. */
    public CdcConfig withSlot(String slot, String publication) {
        return copy(slot, publication, parkingPolicies, topics);
    }

    /** This configuration with {@code policy} for {@code topic}. */
    public CdcConfig withParkingPolicy(String topic, ParkingPolicy policy) {
        return copy(slotName, publicationName, ParkingPolicy.with(parkingPolicies, topic, policy), topics);
    }

    /** This configuration publishing to {@code topics} only (replacing the topics it had). */
    public CdcConfig withTopics(Set<String> topics) {
        return copy(slotName, publicationName, parkingPolicies, topics);
    }

    /** This configuration publishing to {@code topic} and {@code more} only (replacing the topics it had). */
    public CdcConfig withTopics(String topic, String... more) {
        return withTopics(RelayTopics.of(topic, more));
    }

    private CdcConfig copy(
            String slot, String publication, Map<String, ParkingPolicy> policies, Set<String> publishedTopics) {
        return new CdcConfig(
                instanceId,
                jdbcUrl,
                user,
                password,
                slot,
                publication,
                offsetsTable,
                heartbeatInterval,
                maxBatchSize,
                pollInterval,
                maxAttempts,
                retryBackoff,
                maxRetryBackoff,
                policies,
                publishedTopics);
    }

    /** The parking policy of {@code topic}. */
    public ParkingPolicy policyOf(String topic) {
        return parkingPolicies.getOrDefault(topic, ParkingPolicy.SKIP);
    }

    /** A host of {@link #jdbcUrl()} and its port (5432 when the URL names none). */
    public record Host(String host, int port) {
        public Host {
            Objects.requireNonNull(host, "host");
            if (host.isBlank() || port < 1 || port > 65535) {
                throw new IllegalArgumentException("not a host and port: " + host + ":" + port);
            }
        }

        /**
         * A JDBC URL for {@code database} on this host alone, with {@code query} (the original URL's parameters,
         * {@code targetServerType} left out) appended.
         */
        public String jdbcUrl(String database, String query) {
            return "jdbc:postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + database
                    + query;
        }
    }

    /** The hosts of {@link #jdbcUrl()}, in the URL's order (one unless the URL lists a primary and its standbys). */
    public java.util.List<Host> hosts() {
        return java.util.Arrays.stream(hostPort().split(","))
                .map(h -> {
                    URI uri = URI.create("pg://" + h.strip());
                    return new Host(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort());
                })
                .toList();
    }

    /** The first host of {@link #jdbcUrl()}. */
    public String host() {
        return hosts().getFirst().host();
    }

    /** The port of the first host of {@link #jdbcUrl()}, 5432 when it names none. */
    public int port() {
        return hosts().getFirst().port();
    }

    /**
     * The parameters of {@link #jdbcUrl()} ({@code ?…}, or empty) without {@code targetServerType}, for a connection
     * to one of its {@link #hosts()}.
     */
    public String singleHostQuery() {
        var m = URL.matcher(jdbcUrl);
        m.matches();
        String query = m.group(3) == null ? "" : m.group(3).substring(1);
        String kept = java.util.Arrays.stream(query.split("&"))
                .filter(p ->
                        !p.isEmpty() && !p.toLowerCase(java.util.Locale.ROOT).startsWith("targetservertype="))
                .collect(java.util.stream.Collectors.joining("&"));
        return kept.isEmpty() ? "" : "?" + kept;
    }

    /** The database name of {@link #jdbcUrl()}. */
    public String database() {
        var m = URL.matcher(jdbcUrl);
        m.matches();
        return m.group(2);
    }

    private String hostPort() {
        var m = URL.matcher(jdbcUrl);
        m.matches();
        return m.group(1);
    }

    private static void requireIdentifier(String value, String name) {
        Objects.requireNonNull(value, name);
        if (!IDENTIFIER.matcher(value).matches()) {
            throw new IllegalArgumentException(name + " must be a lower-case SQL identifier, was " + value);
        }
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
