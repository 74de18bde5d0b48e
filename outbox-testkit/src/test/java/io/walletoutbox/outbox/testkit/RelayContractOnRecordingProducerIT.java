package io.walletoutbox.outbox.testkit;

import io.walletoutbox.relay.RelayConfig;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The published relay contract as an adopter runs it: its outbox, its configuration, the in-memory producer. */
class RelayContractOnRecordingProducerIT extends RelayContract {
    private static OutboxDatabase db;

    @BeforeAll
    static void setUp() {
        db = new OutboxDatabase("testkit_contract");
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Override
    protected DataSource outbox() {
        return db.dataSource;
    }

    @Override
    protected RelayConfig relayConfig() {
        return RelayConfig.builder("contract").topics("orders").maxAttempts(2).build();
    }
}
