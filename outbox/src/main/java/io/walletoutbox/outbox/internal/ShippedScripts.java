package io.walletoutbox.outbox.internal;

import io.walletoutbox.outbox.OutboxConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes, at build time, the plain scripts the jar ships for adopters who run their own migrations (under {@code
 * io/walletoutbox/outbox/schema/}: the complete DDL, one Flyway script per version, a Liquibase changelog), rendered
 * from the versioned scripts for the default tables and 64 shards, so the repository holds the schema once.
 */
public final class ShippedScripts {
    private ShippedScripts() {}

    /**
     * The files, by path relative to the classes directory.
     *
     * @return path to content
     */
    public static Map<String, String> files() {
        String dir = "io/walletoutbox/outbox/schema/";
        OutboxConfig config = OutboxConfig.DEFAULTS;
        Map<String, String> files = new LinkedHashMap<>();
        files.put(dir + "outbox.sql", SchemaScripts.ddl(config));
        files.put(dir + "liquibase/outbox.changelog.sql", SchemaScripts.liquibase(config));
        for (SchemaScripts.Script script : SchemaScripts.SCRIPTS) {
            files.put(dir + "flyway/" + script.resource(), SchemaScripts.render(script, config));
        }
        return files;
    }

    /**
     * Writes {@link #files()} under the directory {@code args[0]} (the build's classes directory).
     *
     * @param args the directory
     * @throws IOException when a file cannot be written
     */
    public static void main(String[] args) throws IOException {
        Path root = Path.of(args[0]);
        for (Map.Entry<String, String> file : files().entrySet()) {
            Path path = root.resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Files.writeString(path, file.getValue());
        }
    }
}
