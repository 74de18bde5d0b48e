package io.walletoutbox.app.internal.config;

import io.walletoutbox.app.internal.config.AppConfig.RelayMode;
import io.walletoutbox.app.internal.config.AppConfig.Role;
import java.net.URI;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The parsers of single values: numbers, ports, addresses, names and enumerations; each refuses with one line. */
final class Parsers {
    private Parsers() {}

    static long positive(Setting s, SettingValues values, long max) {
        String value = values.get(s);
        try {
            long n = Long.parseLong(value);
            if (n < 1 || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(s + " must be a whole number from 1 to " + max + ", was '" + value + "'");
        }
    }

    static int positive(Setting s, SettingValues values, int max) {
        return (int) positive(s, values, (long) max);
    }

    static String audience(String value) {
        if (value.isBlank() || value.length() > 200 || value.chars().anyMatch(Character::isISOControl)) {
            throw new ConfigException("AUTH_AUDIENCE must be 1 to 200 printable characters");
        }
        return value;
    }

    static String checkDatabaseUrl(String url) {
        if (!url.matches("jdbc:postgresql://[^/\\s]+(/[^\\s?]*)?(\\?\\S*)?")) {
            throw new ConfigException(
                    "DATABASE_URL must be a JDBC URL such as jdbc:postgresql://localhost:5432/wallet, was '"
                            + AppConfig.redactUrl(url) + "'");
        }
        return url;
    }

    static String checkBootstrap(String servers) {
        for (String server : servers.split(",")) {
            if (!server.trim().matches("[A-Za-z0-9.\\-\\[\\]:]+:\\d{1,5}")) {
                throw new ConfigException(
                        "KAFKA_BOOTSTRAP_SERVERS must be host:port[,host:port…], was '" + servers + "'");
            }
        }
        return servers;
    }

    static URI checkBaseUrl(Setting setting, String url) {
        try {
            URI uri = URI.create(url);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                    || uri.getHost() == null
                    || uri.getUserInfo() != null) {
                throw new IllegalArgumentException();
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(setting + " must be an http(s) URL such as http://localhost:8081, was '"
                    + url.replaceAll("//[^/@]*@", "//***@") + "'");
        }
    }

    static int port(Setting setting, String value) {
        try {
            int port = Integer.parseInt(value);
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new ConfigException(setting + " must be a port number 0..65535, was '" + value + "'");
        }
    }

    static Set<Role> roles(String value) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        for (String part : value.split(",")) {
            String name = part.trim().toUpperCase(Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            try {
                roles.add(Role.valueOf(name));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(
                        "ROLES must be a comma-separated subset of api,relay,consumer, was '" + value + "'");
            }
        }
        return roles;
    }

    static RelayMode relayMode(String value) {
        try {
            return RelayMode.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("RELAY_MODE must be polling or cdc, was '" + value + "'");
        }
    }

    static String topic(String value) {
        if (!value.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw new ConfigException("EVENTS_TOPIC must be a Kafka topic name, was '" + value + "'");
        }
        return value;
    }

    static int partitions(String value) {
        try {
            int n = Integer.parseInt(value);
            if (n < 1 || n > 1000) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException("TOPIC_PARTITIONS must be 1..1000, was '" + value + "'");
        }
    }

    static int poolSize(String value) {
        try {
            int n = Integer.parseInt(value);
            if (n < 4 || n > 1000) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException("DATABASE_POOL_SIZE must be 4..1000, was '" + value + "'");
        }
    }

    static String logFormat(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        if (!v.equals("text") && !v.equals("json")) {
            throw new ConfigException("LOG_FORMAT must be text or json, was '" + value + "'");
        }
        return v;
    }
}
