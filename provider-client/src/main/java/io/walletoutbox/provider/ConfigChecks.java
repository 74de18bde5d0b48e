package io.walletoutbox.provider;

import java.time.Duration;
import java.util.Objects;

/** The checks the configurations of this module share; run by their builders' {@code build()}. */
final class ConfigChecks {
    private ConfigChecks() {}

    /** {@code d}, when it is positive. */
    static Duration positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
        return d;
    }

    /**
     * Checks a biller credential: header-safe, since HTTP would refuse control characters anyway, and a space
     * would split the Bearer credential. The message names the rule, never the value.
     */
    static String apiKey(String key) {
        if (key.isEmpty() || key.length() > 4096) {
            throw new IllegalArgumentException("apiKey must be 1..4096 characters");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw new IllegalArgumentException(
                        "apiKey must be printable ASCII without spaces (bad character at index " + i + ")");
            }
        }
        return key;
    }
}
