package io.walletoutbox.outbox.testkit;

import com.zaxxer.hikari.HikariDataSource;
import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.embedded.TestPools;
import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxSchema;
import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.outbox.jdbi.JdbiOutbox;
import io.walletoutbox.outbox.jdbi.JdbiOutboxWriter;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** A fresh outbox database on the shared embedded PostgreSQL, with a writer, as a service under test has it. */
final class OutboxDatabase implements AutoCloseable {
    final SharedInfrastructure infra = SharedInfrastructure.get();
    final HikariDataSource dataSource;
    final Jdbi jdbi;
    final JdbiOutboxWriter writer =
            JdbiOutbox.writer(OutboxWriter.create(OutboxConfig.DEFAULTS, OutboxMode.TABLE, () -> {}));

    OutboxDatabase(String name) {
        dataSource = TestPools.pool(infra.newDatabase(name), 8).name(name).open();
        OutboxSchema.migrate(dataSource, OutboxConfig.DEFAULTS);
        jdbi = Jdbi.create(dataSource);
    }

    /** Appends {@code events} in one committed transaction. */
    void commit(List<OutboxEvent> events) {
        jdbi.useTransaction(h -> events.forEach(e -> writer.append(h, e)));
    }

    long backlog() {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM outbox_event")
                .mapTo(Long.class)
                .one());
    }

    static OutboxEvent event(String topic, String key, int seq) {
        return OutboxEvent.of("order", key, "order.changed", topic, "{\"key\":\"" + key + "\",\"seq\":" + seq + "}");
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
