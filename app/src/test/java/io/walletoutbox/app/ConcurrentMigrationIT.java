package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.zaxxer.hikari.HikariDataSource;
import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.embedded.TestPools;
import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxSchema;
import io.walletoutbox.provider.ProviderSchema;
import io.walletoutbox.wallet.WalletSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.RepeatedTest;

/** Instances started together on an empty database all migrate it, whichever of them creates the history tables. */
class ConcurrentMigrationIT {

    @RepeatedTest(3)
    void instancesStartingTogetherOnAnEmptyDatabaseAllMigrate() throws Exception {
        SharedInfrastructure infra = SharedInfrastructure.get();
        String url = infra.newDatabase("migrate_race");
        int instances = 4;
        CountDownLatch go = new CountDownLatch(1);
        List<HikariDataSource> pools = new ArrayList<>();
        try (var threads = Executors.newFixedThreadPool(instances)) {
            List<Future<?>> started = new ArrayList<>();
            for (int i = 0; i < instances; i++) {
                HikariDataSource ds = TestPools.pool(url, 2).open();
                pools.add(ds);
                started.add(threads.submit(() -> {
                    go.await();
                    OutboxSchema.migrate(ds, OutboxConfig.DEFAULTS);
                    WalletSchema.migrate(ds);
                    ProviderSchema.migrate(ds);
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : started) {
                f.get(); // throws if an instance failed to migrate
            }
            try (var conn = pools.getFirst().getConnection();
                    var rs = conn.createStatement()
                            .executeQuery(
                                    "SELECT count(*) FROM pg_tables WHERE tablename IN ('outbox_event', 'account', 'provider_reconciliation')")) {
                rs.next();
                assertEquals(3, rs.getInt(1));
            }
        } finally {
            pools.forEach(HikariDataSource::close);
        }
    }
}
