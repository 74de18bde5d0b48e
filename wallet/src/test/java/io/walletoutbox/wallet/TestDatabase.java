package io.walletoutbox.wallet;

import com.zaxxer.hikari.HikariDataSource;
import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.embedded.TestPools;
import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxSchema;
import io.walletoutbox.outbox.OutboxWriter;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;

/**
 * A fresh database on the shared real PostgreSQL with the outbox and wallet schemas migrated, a pool, and the
 * stock wallet module on it. One per test class.
 */
final class TestDatabase implements AutoCloseable {
    final HikariDataSource dataSource;
    final Jdbi jdbi;
    final AtomicInteger commitsWithEvents = new AtomicInteger();
    final OutboxWriter outbox;
    final WalletConfig config = new WalletConfig("wallet.events.test");
    final Wallets wallets;
    final IdempotencyKeys keys;

    TestDatabase(String prefix) {
        SharedInfrastructure infra = SharedInfrastructure.get();
        dataSource = TestPools.pool(infra.newDatabase(prefix), 12).open();
        OutboxSchema.migrate(dataSource, OutboxConfig.DEFAULTS);
        WalletSchema.migrate(dataSource);
        jdbi = Jdbi.create(dataSource);
        outbox = OutboxWriter.create(OutboxConfig.DEFAULTS, commitsWithEvents::incrementAndGet);
        wallets = Wallets.create(jdbi, outbox, config);
        keys = IdempotencyKeys.create(jdbi, config);
    }

    Wallet walletWith(long balance) {
        Wallet w = wallets.create("owner-" + UUID.randomUUID().toString().substring(0, 8), "USD");
        if (balance > 0) {
            wallets.topUp(w.id(), balance);
        }
        return w;
    }

    long balance(UUID walletId) {
        return wallets.find(walletId).orElseThrow().balance();
    }

    long count(String sql, Object... args) {
        return jdbi.withHandle(h -> {
            var query = h.createQuery(sql);
            for (int i = 0; i < args.length; i++) {
                query.bind(i, args[i]);
            }
            return query.mapTo(Long.class).one();
        });
    }

    /**
     * A digest of every row of every table (migration history aside): equal before and after an operation means it
     * changed no row anywhere.
     */
    String everyRow() {
        return jdbi.withHandle(h -> {
            List<String> tables = h.createQuery("""
                            SELECT quote_ident(tablename) FROM pg_tables
                            WHERE schemaname = current_schema() AND tablename NOT LIKE '%schema_history'
                            ORDER BY tablename
                            """).mapTo(String.class).list();
            var digest = new StringBuilder();
            for (String table : tables) {
                // table names come from the catalog, quoted by quote_ident
                digest.append(table)
                        .append('=')
                        .append(h.createQuery(
                                        "SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM "
                                                + table + " t")
                                .mapTo(String.class)
                                .one())
                        .append('\n');
            }
            return digest.toString();
        });
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
