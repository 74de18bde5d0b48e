package io.walletoutbox.app;

/** {@link PostgresFailoverContract} with RELAY_MODE=cdc. */
class PostgresFailoverCdcIT extends PostgresFailoverContract {
    @Override
    String relayMode() {
        return "cdc";
    }
}
