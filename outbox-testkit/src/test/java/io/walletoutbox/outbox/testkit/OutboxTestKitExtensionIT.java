package io.walletoutbox.outbox.testkit;

import static io.walletoutbox.outbox.testkit.OutboxDatabase.event;
import static io.walletoutbox.outbox.testkit.OutboxTestKitIT.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.relay.RelayConfig;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension hands each test a kit over an outbox set up in {@code @BeforeAll}, and checks for parked events. */
class OutboxTestKitExtensionIT {
    private static final String TOPIC = "orders";
    private static OutboxDatabase db;

    @RegisterExtension
    static final OutboxTestKitExtension outbox = OutboxTestKitExtension.builder(
                    () -> OutboxTestKit.builder(db.dataSource).topics(TOPIC).build())
            .build();

    @BeforeAll
    static void setUp() {
        db = new OutboxDatabase("testkit_extension");
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void extensionWiresAKitIntoTheTest(OutboxTestKit kit) {
        assertSame(outbox.kit(), kit, "the parameter is the extension's kit for this test");
        OutboxEvent e = event(TOPIC, "a", 0);
        db.commit(List.of(e));

        assertEquals(List.of(e.id()), ids(kit.drain()));
        assertTrue(kit.producer() instanceof RecordingProducer, "a recording producer by default");
    }

    @Test
    void afterEachFailsATestThatLeftAnEventParkedNamingIt() {
        OutboxEvent rejected = event(TOPIC, "parked-key", 0);
        db.commit(List.of(rejected));
        // A second extension over the same outbox, driven by hand, so that this test itself can pass.
        var recording = new RecordingProducer();
        var extension = OutboxTestKitExtension.builder(() -> OutboxTestKit.builder(db.dataSource)
                        .relayConfig(RelayConfig.builder("extension-it")
                                .topics(TOPIC)
                                .maxAttempts(1)
                                .build())
                        .producer(recording)
                        .build())
                .build();
        ExtensionContext passed = context();
        extension.beforeEach(passed);
        recording.failNext(1);
        extension.kit().drain();

        AssertionError error = assertThrows(AssertionError.class, () -> extension.afterEach(passed));

        assertTrue(error.getMessage().contains(rejected.id().toString()), error.getMessage());
        assertThrows(IllegalStateException.class, extension::kit, "the kit is closed after the test");
        // Leave the shared outbox clean for the other tests and this class's own after-each check.
        db.jdbi.useHandle(h -> h.execute("DELETE FROM outbox_parked"));
    }

    /** A test's context, as JUnit gives it after a test that passed (no execution exception). */
    private static ExtensionContext context() {
        return (ExtensionContext) Proxy.newProxyInstance(
                ExtensionContext.class.getClassLoader(), new Class<?>[] {ExtensionContext.class}, (p, m, args) -> {
                    if (m.getName().equals("getExecutionException")) {
                        return Optional.empty();
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }
}
