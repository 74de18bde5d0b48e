package io.walletoutbox.outbox.testkit;

import io.walletoutbox.relay.RelayConfig;
import org.jdbi.v3.core.Jdbi;
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
    protected Jdbi outbox() {
        return db.jdbi;
    }

    @Override
    protected RelayConfig relayConfig() {
        return RelayConfig.builder("contract").topics("orders").maxAttempts(2).build();
    }
}
