package io.walletoutbox.relay.cdc;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The parts of a {@link CdcConfig#jdbcUrl()}, {@code jdbc:postgresql://host[:port][,host[:port]…]/database[?…]}:
 * the relay connects to one host at a time, so it takes the list apart.
 */
final class CdcJdbcUrl {
    private static final Pattern URL = Pattern.compile("jdbc:postgresql://([^/?,]+(?:,[^/?,]+)*)/([^/?]+)(\\?.*)?");

    private CdcJdbcUrl() {}

    /** Whether {@code url} has the form above. */
    static boolean matches(String url) {
        return URL.matcher(url).matches();
    }

    /** The database name of a URL of the form above. */
    static String database(String url) {
        return parse(url).group(2);
    }

    /** The hosts of a URL of the form above, in its order, each with its port (5432 when it names none). */
    static List<CdcHost> hosts(String url) {
        return Arrays.stream(parse(url).group(1).split(","))
                .map(h -> {
                    URI uri = URI.create("pg://" + h.strip());
                    return new CdcHost(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort());
                })
                .toList();
    }

    /** The parameters of a URL of the form above ({@code ?…}, or empty) without {@code targetServerType}. */
    static String singleHostQuery(String url) {
        var m = parse(url);
        String query = m.group(3) == null ? "" : m.group(3).substring(1);
        String kept = Arrays.stream(query.split("&"))
                .filter(p -> !p.isEmpty() && !p.toLowerCase(Locale.ROOT).startsWith("targetservertype="))
                .collect(Collectors.joining("&"));
        return kept.isEmpty() ? "" : "?" + kept;
    }

    private static Matcher parse(String url) {
        var m = URL.matcher(Objects.requireNonNull(url, "jdbcUrl"));
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "jdbcUrl must be jdbc:postgresql://host[:port][,host[:port]…]/database, was " + url);
        }
        return m;
    }
}
