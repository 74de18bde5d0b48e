package io.walletoutbox.app;

/** {@link PostgresFailoverContract} with RELAY_MODE=polling. */
class PostgresFailoverPollingIT extends PostgresFailoverContract {
    @Override
    String relayMode() {
        return "polling";
    }
}
