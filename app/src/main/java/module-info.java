/** The service: configuration, wiring, HTTP API, metrics and the embedded runtime. Exports nothing. */
module io.walletoutbox.app {
    requires io.walletoutbox.wallet;
}
