package io.walletoutbox.app.internal.config;

/** A configuration value is missing or wrong; its message is the one line the operator sees. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
