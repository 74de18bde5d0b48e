package io.walletoutbox.outbox.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxTables;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The plain scripts the jar ships for adopters who run their own migrations are in the build's classes (written at
 * {@code process-classes}) and are the versioned scripts rendered for the default tables and 64 shards.
 */
class ShippedSchemaTest {
    @Test
    void theBuildShipsTheVersionedScriptsRenderedForTheDefaults() throws IOException {
        Map<String, String> files = ShippedScripts.files();
        assertEquals(2 + SchemaScripts.SCRIPTS.size(), files.size());
        for (Map.Entry<String, String> file : files.entrySet()) {
            try (InputStream in = ShippedSchemaTest.class.getResourceAsStream("/" + file.getKey())) {
                assertNotNull(in, file.getKey() + " is not in the build's classes");
                assertEquals(file.getValue(), new String(in.readAllBytes(), StandardCharsets.UTF_8), file.getKey());
            }
            assertFalse(file.getValue().contains("${"), file.getKey() + " has a placeholder left");
        }
    }

    @Test
    void renderingLeavesNoPlaceholderAndNamesEveryObjectOfThePrefixedTables() {
        String ddl = SchemaScripts.ddl(new OutboxConfig(8, OutboxTables.of("shop", "shop_")));
        assertFalse(ddl.contains("${"), "no placeholder left");
        assertTrue(ddl.contains("CREATE TABLE shop.shop_outbox_event ("));
        assertTrue(ddl.contains("CREATE INDEX shop_outbox_event_shard_id ON shop.shop_outbox_event (shard, id)"));
        assertTrue(ddl.contains("INSERT INTO shop.shop_outbox_shard (shard) SELECT generate_series(0, 8 - 1)"));
        assertTrue(ddl.contains("SET search_path = pg_catalog, shop, pg_temp"));
        // Every statement names the prefixed objects: no bare default name is left outside comments.
        for (String line : ddl.lines().filter(l -> !l.strip().startsWith("--")).toList()) {
            for (String base : OutboxTables.NAMES) {
                assertFalse(
                        line.matches(".*(?<![a-z_.])" + base + "(?![a-z_]).*"), () -> "bare " + base + " in: " + line);
            }
        }
    }
}
