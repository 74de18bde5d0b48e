package io.walletoutbox.app.internal.config;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * The billers this deployment pays: {@code BILLERS} lists them ({@code wifi,power}, or {@code id=url} entries), and
 * {@code BILLERS_FILE} (a properties file, for credentials) may give each one {@code <id>.url}, {@code <id>.api-key},
 * {@code <id>.timeout}, {@code <id>.key-retention} and {@code <id>.in-flight-bound}. A biller without its own URL or key uses {@code
 * PROVIDER_BASE_URL} / {@code PROVIDER_API_KEY} (in embedded mode: the in-process simulator).
 *
 * @param id the name payments use ({@code "biller":"wifi"})
 * @param url the biller's base URL, or empty for the default
 * @param apiKey its credential, or empty for the default
 * @param timeout its request timeout, or empty for the client's default
 * @param keyRetention how long the biller remembers idempotency keys, or empty for the default
 * @param inFlightBound how long after a charge attempt the biller may still apply it (a 404 proves nothing and no
 *     refund is made until then), or empty for the default: three times the timeout, at least 30 s
 */
public record BillerSettings(
        String id,
        Optional<URI> url,
        Optional<String> apiKey,
        Optional<Duration> timeout,
        Optional<Duration> keyRetention,
        Optional<Duration> inFlightBound) {
    private static final Set<String> FIELDS = Set.of("url", "api-key", "timeout", "key-retention", "in-flight-bound");

    public BillerSettings {
        Objects.requireNonNull(id, "id");
        if (!id.matches("[a-z0-9][a-z0-9_-]{0,31}")) {
            throw new ConfigException("BILLERS: '" + id + "' is not a biller id (lower-case letters, digits, _ and -)");
        }
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(keyRetention, "keyRetention");
        Objects.requireNonNull(inFlightBound, "inFlightBound");
    }

    /** Never shows the credential. */
    @Override
    public String toString() {
        return "Biller[" + id + ", url=" + url.map(URI::toString).orElse("default") + ", apiKey="
                + (apiKey.isPresent() ? "<redacted>" : "default") + "]";
    }

    /** Parses {@code BILLERS} and the optional {@code BILLERS_FILE}. */
    static List<BillerSettings> parse(String billers, Optional<String> file) {
        Map<String, Map<String, String>> byId = new LinkedHashMap<>();
        for (String entry : billers.split(",")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            int eq = e.indexOf('=');
            String id = eq < 0 ? e : e.substring(0, eq).trim();
            Map<String, String> fields = new LinkedHashMap<>();
            if (eq >= 0) {
                fields.put("url", e.substring(eq + 1).trim());
            }
            if (byId.put(id, fields) != null) {
                throw new ConfigException("BILLERS names '" + id + "' twice");
            }
        }
        if (byId.isEmpty()) {
            throw new ConfigException("BILLERS must name at least one biller");
        }
        if (file.isPresent()) {
            Properties properties = new Properties();
            try (Reader in = Files.newBufferedReader(Path.of(file.get()))) {
                properties.load(in);
            } catch (IOException | RuntimeException e) {
                throw new ConfigException("BILLERS_FILE names a file that cannot be read: " + file.get());
            }
            for (String name : properties.stringPropertyNames()) {
                int dot = name.indexOf('.');
                String id = dot < 0 ? name : name.substring(0, dot);
                String field = dot < 0 ? "" : name.substring(dot + 1);
                if (!byId.containsKey(id)) {
                    throw new ConfigException("BILLERS_FILE configures '" + id + "', which BILLERS does not list");
                }
                if (!FIELDS.contains(field)) {
                    throw new ConfigException("BILLERS_FILE: unknown key " + name + " (per biller: " + FIELDS + ")");
                }
                byId.get(id).put(field, properties.getProperty(name).trim());
            }
        }
        List<BillerSettings> result = new ArrayList<>();
        byId.forEach((id, f) -> result.add(new BillerSettings(
                id,
                Optional.ofNullable(f.get("url")).map(u -> url(id, u)),
                Optional.ofNullable(f.get("api-key")).filter(k -> !k.isEmpty()),
                Optional.ofNullable(f.get("timeout")).map(t -> duration(id + ".timeout", t)),
                Optional.ofNullable(f.get("key-retention")).map(t -> duration(id + ".key-retention", t)),
                Optional.ofNullable(f.get("in-flight-bound")).map(t -> duration(id + ".in-flight-bound", t)))));
        return List.copyOf(result);
    }

    private static URI url(String id, String value) {
        try {
            URI uri = URI.create(value);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException();
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new ConfigException("biller " + id + ": the URL must be http(s)://host[:port][/path]");
        }
    }

    private static Duration duration(String name, String value) {
        return DurationParser.parse(value)
                .filter(d -> !d.isZero())
                .orElseThrow(() -> new ConfigException(
                        "BILLERS_FILE: " + name + " must be a duration such as 5s, 15m, 1h or 30d"));
    }
}
