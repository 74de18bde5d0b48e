package io.walletoutbox.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.embedded.TestPools;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** The deployment's outbox mode, recorded in the database: claimed at start, switched only on purpose. */
class OutboxModesIT {
    private HikariDataSource ds;
    private Jdbi jdbi;

    @BeforeEach
    void database(TestInfo info) {
        var infra = SharedInfrastructure.get();
        String url = infra.newDatabase(
                "outbox_modes_" + info.getTestMethod().orElseThrow().getName().toLowerCase());
        ds = TestPools.pool(url, 4).open();
        OutboxSchema.migrate(ds, OutboxConfig.DEFAULTS);
        jdbi = Jdbi.create(ds);
    }

    @AfterEach
    void close() {
        ds.close();
    }

    @Test
    void firstProcessRecordsItsModeAndAProcessInTheOtherModeIsRefused() {
        assertEquals(Optional.empty(), OutboxModes.recorded(ds));
        OutboxModes.claim(ds, OutboxMode.LOGICAL_MESSAGE);
        OutboxModes.claim(ds, OutboxMode.LOGICAL_MESSAGE); // a second instance in the same mode starts
        assertEquals(Optional.of(OutboxMode.LOGICAL_MESSAGE), OutboxModes.recorded(ds));
        var e = assertThrows(
                OutboxException.ModeMismatchException.class, () -> OutboxModes.claim(ds, OutboxMode.TABLE));
        assertEquals(OutboxMode.LOGICAL_MESSAGE, e.recorded());
        assertEquals(OutboxMode.TABLE, e.requested());
        assertTrue(
                e.getMessage().contains("mode TABLE") && e.getMessage().contains("mode LOGICAL_MESSAGE"),
                e.getMessage());
        assertEquals(Optional.of(OutboxMode.LOGICAL_MESSAGE), OutboxModes.recorded(ds), "the record is unchanged");
    }

    @Test
    void processesStartingTogetherInDifferentModesLeaveOneModeAndRefuseTheOthers() throws Exception {
        try (var executor = Executors.newFixedThreadPool(4)) {
            var results = new java.util.ArrayList<Future<OutboxMode>>();
            for (int i = 0; i < 4; i++) {
                OutboxMode mode = i % 2 == 0 ? OutboxMode.TABLE : OutboxMode.LOGICAL_MESSAGE;
                results.add(executor.submit((Callable<OutboxMode>) () -> {
                    try {
                        OutboxModes.claim(ds, mode);
                        return mode;
                    } catch (OutboxException.ModeMismatchException e) {
                        return null;
                    }
                }));
            }
            var outcomes = new java.util.ArrayList<OutboxMode>();
            for (var result : results) {
                outcomes.add(result.get());
            }
            OutboxMode recorded = OutboxModes.recorded(ds).orElseThrow();
            int started = 0;
            for (OutboxMode mode : outcomes) {
                if (mode != null) {
                    assertEquals(recorded, mode, "only processes in the recorded mode start");
                    started++;
                }
            }
            assertEquals(2, started);
        }
    }

    @Test
    void switchingIsRefusedWhileTheTableHoldsEventsAndRecordsTheNewModeOnceEmpty() {
        OutboxModes.claim(ds, OutboxMode.TABLE);
        var writer = OutboxWriter.create(OutboxConfig.DEFAULTS, () -> {});
        jdbi.useTransaction(
                h -> writer.append(h.getConnection(), OutboxEvent.of("Thing", "t-1", "ThingChanged", "things", "{}")));
        var refused = assertThrows(
                OutboxException.ModeSwitchRefusedException.class,
                () -> OutboxModes.switchTo(ds, OutboxMode.LOGICAL_MESSAGE));
        assertTrue(refused.getMessage().contains("1 events in outbox_event"), refused.getMessage());
        assertEquals(Optional.of(OutboxMode.TABLE), OutboxModes.recorded(ds));

        jdbi.useHandle(h -> h.execute("DELETE FROM outbox_event")); // what a polling relay does once it published
        assertEquals(Optional.of(OutboxMode.TABLE), OutboxModes.switchTo(ds, OutboxMode.LOGICAL_MESSAGE));
        assertEquals(Optional.of(OutboxMode.LOGICAL_MESSAGE), OutboxModes.recorded(ds));
        OutboxModes.claim(ds, OutboxMode.LOGICAL_MESSAGE);
        assertThrows(OutboxException.ModeMismatchException.class, () -> OutboxModes.claim(ds, OutboxMode.TABLE));
        assertEquals(
                Optional.of(OutboxMode.LOGICAL_MESSAGE),
                OutboxModes.switchTo(ds, OutboxMode.LOGICAL_MESSAGE),
                "switching to the recorded mode changes nothing");
    }
}
