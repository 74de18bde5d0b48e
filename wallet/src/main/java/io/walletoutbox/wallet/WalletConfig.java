package io.walletoutbox.wallet;

import java.util.Objects;

/**
 * Configuration of the wallet module.
 *
 * @param eventsTopic the Kafka topic of wallet events ({@code wallet.events})
 */
public record WalletConfig(String eventsTopic) {
    public static final WalletConfig DEFAULTS = new WalletConfig("wallet.events");

    public WalletConfig {
        Objects.requireNonNull(eventsTopic, "eventsTopic");
        if (!eventsTopic.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw new IllegalArgumentException("not a valid Kafka topic name: " + eventsTopic);
        }
    }
}
