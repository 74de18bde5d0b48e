/**
 * The outbox on Jdbi: {@link io.walletoutbox.outbox.jdbi.JdbiOutbox} gives the writer, the inbox and the admin of
 * {@code io.walletoutbox.outbox} in Jdbi's terms (a {@code Handle} in the caller's transaction, a {@code Jdbi}),
 * and registers the writer's after-commit wake-up with Jdbi's transaction callbacks ({@code Handle.afterCommit}).
 * Jdbi is this adapter's API, so it is required transitively here, and only here.
 */
module io.walletoutbox.outbox.jdbi {
    requires transitive io.walletoutbox.outbox;
    requires transitive org.jdbi.v3.core;

    exports io.walletoutbox.outbox.jdbi;
}
