package io.walletoutbox.relay.cdc;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/** The checks {@link CdcConfig} makes of its builder's values, each failing with the value's name. */
final class CdcConfigChecks {
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    /** A table name: an identifier, perhaps qualified by its schema's. */
    private static final Pattern TABLE = Pattern.compile("([a-z_][a-z0-9_]{0,62}\\.)?[a-z_][a-z0-9_]{0,62}");

    private CdcConfigChecks() {}

    static String requireIdentifier(String value, String name) {
        Objects.requireNonNull(value, name);
        if (!IDENTIFIER.matcher(value).matches()) {
            throw new IllegalArgumentException(name + " must be a lower-case SQL identifier, was " + value);
        }
        return value;
    }

    static String requireTable(String value, String name) {
        Objects.requireNonNull(value, name);
        if (!TABLE.matcher(value).matches()) {
            throw new IllegalArgumentException(name
                    + " must be a lower-case SQL identifier, perhaps schema-qualified (schema.table), was " + value);
        }
        return value;
    }

    static Duration requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
        return d;
    }

    static int requireRange(int value, int min, int max, String name) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be "
                    + (max == Integer.MAX_VALUE ? ">= " + min : min + ".." + max) + ", was " + value);
        }
        return value;
    }
}
