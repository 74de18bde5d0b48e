package io.walletoutbox.relay;

import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The topics a relay publishes to ({@link RelayConfig#topics()}, {@code CdcConfig.topics()}). An outbox event is an
 * instruction to publish to the topic it names, and whoever can write the outbox (a row in {@code outbox_event}, a
 * logical decoding message with the outbox's prefix) could name any topic the relay's Kafka principal may write;
 * so a relay sends only to the topics it was configured with. An event naming another topic (a "foreign" one) is
 * never sent: it is parked at once in {@code outbox_parked} (attempts 0, its last error saying why), counted in
 * {@code relay.foreign.topic} and logged as a warning. An operator discards it; a retry brings it back to the relay,
 * which parks it again.
 */
public final class RelayTopics {
    /** Kafka's own rule for topic names. */
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    private RelayTopics() {}

    /**
     * {@code topics} checked (legal Kafka topic names) and copied, sorted.
     *
     * @param topics the topics
     * @return an unmodifiable, sorted copy
     * @throws NullPointerException when {@code topics} or a topic is null
     * @throws IllegalArgumentException when a topic is not a legal Kafka topic name
     */
    public static Set<String> copyOf(Set<String> topics) {
        Objects.requireNonNull(topics, "topics");
        var sorted = new TreeSet<String>();
        for (String topic : topics) {
            Objects.requireNonNull(topic, "topics: a topic");
            if (!TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
                throw new IllegalArgumentException("topics: not a Kafka topic name: " + topic);
            }
            sorted.add(topic);
        }
        return Collections.unmodifiableSortedSet(sorted);
    }

    /**
     * {@code topic} and {@code more}, as {@link #copyOf}.
     *
     * @param topic a topic
     * @param more further topics
     * @return an unmodifiable, sorted set of them
     * @throws NullPointerException when a topic is null
     * @throws IllegalArgumentException when a topic is not a legal Kafka topic name
     */
    public static Set<String> of(String topic, String... more) {
        var all = new TreeSet<String>();
        all.add(Objects.requireNonNull(topic, "topic"));
        for (String t : more) {
            all.add(Objects.requireNonNull(t, "topics: a topic"));
        }
        return copyOf(all);
    }

    /**
     * Checks that a relay has topics to publish to.
     *
     * @param topics a relay's topics
     * @throws IllegalArgumentException when {@code topics} is empty
     */
    public static void requireSome(Set<String> topics) {
        if (topics.isEmpty()) {
            throw new IllegalArgumentException(
                    "the relay's topics are not configured (its configuration builder's topics(...)): a relay"
                            + " publishes to its configured topics only");
        }
    }
}
