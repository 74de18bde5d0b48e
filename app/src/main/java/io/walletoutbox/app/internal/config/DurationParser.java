package io.walletoutbox.app.internal.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** The duration settings: {@code 500ms}, {@code 5s}, {@code 15m}, {@code 1h}, {@code 30d}, each with its bounds. */
final class DurationParser {
    private DurationParser() {}

    /** A duration written {@code 500ms}, {@code 5s}, {@code 15m}, {@code 1h} or {@code 30d} (at most ten years). */
    static Optional<Duration> parse(String value) {
        var m = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)").matcher(value.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        return d.compareTo(Duration.ofDays(3650)) <= 0 ? Optional.of(d) : Optional.empty();
    }

    static Duration duration(Setting s, SettingValues values, Duration min) {
        String value = values.get(s);
        return parse(value)
                .filter(d -> d.compareTo(min) >= 0)
                .orElseThrow(() -> new ConfigException(s + " must be a duration such as 5s, 15m, 1h or 30d, at least "
                        + min.toString().substring(2).toLowerCase(Locale.ROOT) + ", was '" + value + "'"));
    }

    static Duration probeInterval(SettingValues values) {
        Duration d = duration(Setting.RELAY_PROBE_INTERVAL, values, Duration.ZERO);
        if (d.compareTo(Duration.ofSeconds(1)) > 0) {
            throw new ConfigException("RELAY_PROBE_INTERVAL must be at most 1s (0ms turns the probe off), was '"
                    + values.get(Setting.RELAY_PROBE_INTERVAL) + "'");
        }
        return d;
    }

    /** At least a second (each round queries every purged table), at most a day (a purge must come round). */
    static Duration purgeInterval(SettingValues values) {
        Duration d = duration(Setting.RETENTION_INTERVAL, values, Duration.ofSeconds(1));
        if (d.compareTo(Duration.ofDays(1)) > 0) {
            throw new ConfigException(
                    "RETENTION_INTERVAL must be at most 24h, was '" + values.get(Setting.RETENTION_INTERVAL) + "'");
        }
        return d;
    }

    /** {@code IDEMPOTENCY_RETENTION_HOURS}: whole hours, 1 to 720. */
    static Duration retentionHours(String value) {
        try {
            int hours = Integer.parseInt(value);
            if (hours < 1 || hours > 720) {
                throw new NumberFormatException();
            }
            return Duration.ofHours(hours);
        } catch (NumberFormatException e) {
            throw new ConfigException("IDEMPOTENCY_RETENTION_HOURS must be 1..720, was '" + value + "'");
        }
    }
}
