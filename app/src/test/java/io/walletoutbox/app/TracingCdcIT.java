package io.walletoutbox.app;

/**
 * {@link TracingContract} with {@code RELAY_MODE=cdc}: the events go out as logical decoding messages read from the
 * WAL by the CDC relay, whose {@code publish} spans continue the stored context as the polling relay's do, and whose
 * {@code relay batch} span is a trace of its own linked to the records it carried. The slot is dropped at the end.
 */
class TracingCdcIT extends TracingContract {
    @Override
    String relayMode() {
        return "cdc";
    }

    @Override
    String relaySpanName() {
        return "relay batch";
    }
}
