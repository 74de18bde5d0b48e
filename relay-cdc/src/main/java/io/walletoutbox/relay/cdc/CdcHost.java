package io.walletoutbox.relay.cdc;

import java.util.Objects;

/**
 * A host of a CDC relay's JDBC URL ({@link CdcConfig#hosts()}) and its port (5432 when the URL names none).
 *
 * @param host a host name or address (an IPv6 address without brackets)
 * @param port its port, 1..65535
 */
public record CdcHost(String host, int port) {
    /**
     * Checks the host and port.
     *
     * @throws NullPointerException when {@code host} is null
     * @throws IllegalArgumentException when {@code host} is blank or {@code port} is outside 1..65535
     */
    public CdcHost {
        Objects.requireNonNull(host, "host");
        if (host.isBlank() || port < 1 || port > 65535) {
            throw new IllegalArgumentException("not a host and port: " + host + ":" + port);
        }
    }

    /**
     * A JDBC URL for {@code database} on this host alone, with {@code query} (the original URL's parameters,
     * {@code targetServerType} left out) appended.
     *
     * @param database the database name
     * @param query {@code ?…} or the empty string
     * @return the URL
     */
    public String jdbcUrl(String database, String query) {
        return "jdbc:postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + database
                + query;
    }
}
