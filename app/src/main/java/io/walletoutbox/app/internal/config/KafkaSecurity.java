package io.walletoutbox.app.internal.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * How every Kafka client of the service (the admin client, the relays' producer, the bill-payment consumer and its
 * dead-letter producer) connects: TLS and SASL settings, applied before each client's own settings (which win
 * for what the service controls: acks, idempotence, group, serializers).
 *
 * <p>Read by {@link #load} from the settings in {@link #SETTINGS}. Messages of a {@link ConfigException} and
 * {@link #toString()} never contain a secret value: only setting names, property names and file paths.
 *
 * @param properties Kafka client properties ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}, and whatever
 *     the client-properties file adds); empty for a plain connection
 */
public record KafkaSecurity(Map<String, String> properties) {

    public static final String KAFKA_SECURITY_PROTOCOL = "KAFKA_SECURITY_PROTOCOL";
    public static final String KAFKA_SASL_MECHANISM = "KAFKA_SASL_MECHANISM";
    public static final String KAFKA_SASL_JAAS_CONFIG = "KAFKA_SASL_JAAS_CONFIG";
    public static final String KAFKA_SSL_TRUSTSTORE_LOCATION = "KAFKA_SSL_TRUSTSTORE_LOCATION";
    public static final String KAFKA_SSL_TRUSTSTORE_PASSWORD = "KAFKA_SSL_TRUSTSTORE_PASSWORD";
    public static final String KAFKA_SSL_KEYSTORE_LOCATION = "KAFKA_SSL_KEYSTORE_LOCATION";
    public static final String KAFKA_SSL_KEYSTORE_PASSWORD = "KAFKA_SSL_KEYSTORE_PASSWORD";
    public static final String KAFKA_SSL_KEY_PASSWORD = "KAFKA_SSL_KEY_PASSWORD";
    public static final String KAFKA_CLIENT_PROPERTIES_FILE = "KAFKA_CLIENT_PROPERTIES_FILE";

    /** Every setting {@link #load} reads, by environment-variable name, in the order {@code --help} lists them. */
    public static final List<String> SETTINGS = List.of(
            KAFKA_SECURITY_PROTOCOL,
            KAFKA_SASL_MECHANISM,
            KAFKA_SASL_JAAS_CONFIG,
            KAFKA_SSL_TRUSTSTORE_LOCATION,
            KAFKA_SSL_TRUSTSTORE_PASSWORD,
            KAFKA_SSL_KEYSTORE_LOCATION,
            KAFKA_SSL_KEYSTORE_PASSWORD,
            KAFKA_SSL_KEY_PASSWORD,
            KAFKA_CLIENT_PROPERTIES_FILE);

    /** The settings of {@link #SETTINGS} whose values are secrets (also accepted as {@code <NAME>_FILE}). */
    public static final Set<String> SECRET_SETTINGS = Set.of(
            KAFKA_SASL_JAAS_CONFIG, KAFKA_SSL_TRUSTSTORE_PASSWORD, KAFKA_SSL_KEYSTORE_PASSWORD, KAFKA_SSL_KEY_PASSWORD);

    /** No security: a plain connection, no client properties. */
    public static final KafkaSecurity NONE = new KafkaSecurity(Map.of());

    private static final List<String> PROTOCOLS = List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
    private static final Pattern MECHANISM = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    // A JAAS line: the login module's class, a control flag, options, and a final ';'.
    private static final Pattern JAAS_HEAD = Pattern.compile(
            "\\s*[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*\\s+(required|requisite|sufficient|optional)(\\s.*)?",
            Pattern.DOTALL);
    private static final String REDACTED = "(redacted)";

    // Setting → the client property it sets.
    private static final Map<String, String> PROPERTY_OF = Map.of(
            KAFKA_SECURITY_PROTOCOL, "security.protocol",
            KAFKA_SASL_MECHANISM, "sasl.mechanism",
            KAFKA_SASL_JAAS_CONFIG, "sasl.jaas.config",
            KAFKA_SSL_TRUSTSTORE_LOCATION, "ssl.truststore.location",
            KAFKA_SSL_TRUSTSTORE_PASSWORD, "ssl.truststore.password",
            KAFKA_SSL_KEYSTORE_LOCATION, "ssl.keystore.location",
            KAFKA_SSL_KEYSTORE_PASSWORD, "ssl.keystore.password",
            KAFKA_SSL_KEY_PASSWORD, "ssl.key.password");

    private static final Map<String, String> DESCRIPTIONS = Map.of(
            KAFKA_SECURITY_PROTOCOL, "Kafka security.protocol: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL",
            KAFKA_SASL_MECHANISM, "Kafka sasl.mechanism (SCRAM-SHA-512, SCRAM-SHA-256, PLAIN, OAUTHBEARER…)",
            KAFKA_SASL_JAAS_CONFIG, "Kafka sasl.jaas.config, the login module line with its credentials (secret)",
            KAFKA_SSL_TRUSTSTORE_LOCATION,
                    "truststore file of the CAs the Kafka brokers' certificates are checked with",
            KAFKA_SSL_TRUSTSTORE_PASSWORD, "password of that truststore (secret)",
            KAFKA_SSL_KEYSTORE_LOCATION, "keystore file with this service's client certificate (mutual TLS)",
            KAFKA_SSL_KEYSTORE_PASSWORD, "password of that keystore (secret)",
            KAFKA_SSL_KEY_PASSWORD, "password of the private key in that keystore (secret)",
            KAFKA_CLIENT_PROPERTIES_FILE,
                    "Java properties file of Kafka client properties for every client; the settings above win");

    public KafkaSecurity {
        Objects.requireNonNull(properties, "properties");
        properties.forEach((k, v) -> {
            Objects.requireNonNull(k, "property name");
            Objects.requireNonNull(v, () -> "value of " + k);
        });
        properties = Collections.unmodifiableMap(new TreeMap<>(properties));
    }

    /** The one-line meaning of {@code setting} (one of {@link #SETTINGS}) for {@code --help}. */
    public static String description(String setting) {
        String d = DESCRIPTIONS.get(setting);
        if (d == null) {
            throw new IllegalArgumentException("not a Kafka security setting: " + setting);
        }
        return d;
    }

    /**
     * Reads and checks the Kafka client security settings.
     *
     * @param setting the configured value of a setting by its environment-variable name (flags, environment and
     *     {@code …_FILE} files already merged); empty or blank when unset
     * @throws ConfigException when a setting is wrong, with one line naming it (never its value when secret)
     */
    public static KafkaSecurity load(Function<String, Optional<String>> setting) {
        Objects.requireNonNull(setting, "setting");
        // Property → where it came from, for messages.
        Map<String, String> source = new LinkedHashMap<>();
        Map<String, String> props = new LinkedHashMap<>();
        Optional<String> file = value(setting, KAFKA_CLIENT_PROPERTIES_FILE);
        file.ifPresent(f -> readPropertiesFile(f).forEach((k, v) -> {
            props.put(k, v);
            source.put(k, k + " in " + KAFKA_CLIENT_PROPERTIES_FILE);
        }));
        for (String name : SETTINGS) {
            String property = PROPERTY_OF.get(name);
            if (property != null) {
                value(setting, name).ifPresent(v -> {
                    props.put(property, v);
                    source.put(property, name);
                });
            }
        }
        check(props, source);
        return new KafkaSecurity(props);
    }

    /** The properties to add to every Kafka client's configuration (before the client's own). */
    public Map<String, Object> clientProperties() {
        return Map.copyOf(properties);
    }

    /** The effective {@code security.protocol}. */
    public String securityProtocol() {
        return properties.getOrDefault("security.protocol", "PLAINTEXT").toUpperCase(Locale.ROOT);
    }

    /** The properties with every secret value replaced, for logs. */
    @Override
    public String toString() {
        return properties.entrySet().stream()
                .map(e -> e.getKey() + "=" + (isSecret(e.getKey()) ? REDACTED : e.getValue()))
                .collect(Collectors.joining(", ", "KafkaSecurity[", "]"));
    }

    /** Whether the client property {@code name} holds a secret (a password, a JAAS line, a key, a token). */
    static boolean isSecret(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.contains("password")
                || n.contains("jaas")
                || n.contains("secret")
                || n.contains("token")
                || n.contains("credential")
                || n.equals("ssl.keystore.key");
    }

    private static Optional<String> value(Function<String, Optional<String>> setting, String name) {
        Optional<String> v = Objects.requireNonNull(setting.apply(name), name);
        return v.map(String::trim).filter(s -> !s.isEmpty());
    }

    private static Path path(String location, String what) {
        try {
            return Path.of(location);
        } catch (java.nio.file.InvalidPathException e) {
            throw new ConfigException(what + " is not a file path");
        }
    }

    private static Map<String, String> readPropertiesFile(String location) {
        Path path = path(location, KAFKA_CLIENT_PROPERTIES_FILE);
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new ConfigException(KAFKA_CLIENT_PROPERTIES_FILE + ": no readable file at " + path);
        }
        var p = new Properties();
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            // Neither message carries the file's content: an I/O failure or a malformed \\uXXXX escape.
            throw new ConfigException(KAFKA_CLIENT_PROPERTIES_FILE + ": cannot read " + path + " as Java properties ("
                    + e.getClass().getSimpleName() + ")");
        }
        Map<String, String> m = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k.trim(), p.getProperty(k).trim()));
        return m;
    }

    private static void check(Map<String, String> props, Map<String, String> source) {
        String protocolSource = source.getOrDefault("security.protocol", KAFKA_SECURITY_PROTOCOL);
        String protocol = props.getOrDefault("security.protocol", "PLAINTEXT").toUpperCase(Locale.ROOT);
        if (!PROTOCOLS.contains(protocol)) {
            throw new ConfigException(protocolSource + " must be one of " + String.join(", ", PROTOCOLS));
        }
        if (props.containsKey("security.protocol")) {
            props.put("security.protocol", protocol);
        }
        boolean sasl = protocol.startsWith("SASL_");
        boolean ssl = protocol.endsWith("SSL");
        if (sasl) {
            String mechanism = props.get("sasl.mechanism");
            if (mechanism == null) {
                throw new ConfigException(KAFKA_SASL_MECHANISM + " must be set with security protocol " + protocol
                        + " (e.g. SCRAM-SHA-512)");
            }
            if (!MECHANISM.matcher(mechanism).matches()) {
                throw new ConfigException(source.get("sasl.mechanism")
                        + " must be a SASL mechanism name such as SCRAM-SHA-512, PLAIN or OAUTHBEARER");
            }
            String jaas = props.get("sasl.jaas.config");
            if (jaas == null) {
                throw new ConfigException(KAFKA_SASL_JAAS_CONFIG + " (or " + KAFKA_SASL_JAAS_CONFIG
                        + "_FILE) must be set with security protocol " + protocol);
            }
            if (!JAAS_HEAD.matcher(jaas).matches() || !jaas.strip().endsWith(";")) {
                throw new ConfigException(source.get("sasl.jaas.config")
                        + " must be a JAAS line: <login module class> required <key>=\"<value>\" …;");
            }
        } else {
            for (String property : List.of("sasl.mechanism", "sasl.jaas.config")) {
                if (props.containsKey(property)) {
                    throw new ConfigException(source.get(property) + " is set but the security protocol is " + protocol
                            + ": use SASL_SSL or SASL_PLAINTEXT, or remove it");
                }
            }
        }
        for (String store : List.of("ssl.truststore.location", "ssl.keystore.location")) {
            String location = props.get(store);
            if (location == null) {
                continue;
            }
            if (!ssl) {
                throw new ConfigException(source.get(store) + " is set but the security protocol is " + protocol
                        + ": use SSL or SASL_SSL, or remove it");
            }
            Path path = path(location, source.get(store));
            if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
                throw new ConfigException(source.get(store) + ": no readable file at " + path);
            }
        }
    }
}
