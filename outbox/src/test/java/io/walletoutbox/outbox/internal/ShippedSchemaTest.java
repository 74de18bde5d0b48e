package io.walletoutbox.outbox.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxTables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The plain scripts the jar ships for adopters who run their own migrations ({@code io/walletoutbox/outbox/schema/}:
 * the complete DDL, one Flyway script per version, a Liquibase changelog) are the versioned scripts rendered for the
 * default tables and 64 shards, byte for byte. Run with {@code -Dschema.regenerate=true} after changing a script.
 */
class ShippedSchemaTest {
    private static final Path DIR = Path.of("src/main/resources/io/walletoutbox/outbox/schema");

    static Map<Path, String> expected() {
        Map<Path, String> files = new LinkedHashMap<>();
        OutboxConfig config = OutboxConfig.DEFAULTS;
        files.put(DIR.resolve("outbox.sql"), SchemaScripts.ddl(config));
        files.put(DIR.resolve("liquibase/outbox.changelog.sql"), SchemaScripts.liquibase(config));
        for (SchemaScripts.Script script : SchemaScripts.SCRIPTS) {
            files.put(DIR.resolve("flyway/" + script.resource()), SchemaScripts.render(script, config));
        }
        return files;
    }

    @Test
    void theShippedScriptsAreTheVersionedScriptsRenderedForTheDefaults() throws IOException {
        boolean regenerate = Boolean.getBoolean("schema.regenerate");
        for (Map.Entry<Path, String> file : expected().entrySet()) {
            if (regenerate) {
                Files.createDirectories(file.getKey().getParent());
                Files.writeString(file.getKey(), file.getValue());
            }
            assertEquals(file.getValue(), Files.readString(file.getKey()), file.getKey() + " is stale: regenerate");
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
