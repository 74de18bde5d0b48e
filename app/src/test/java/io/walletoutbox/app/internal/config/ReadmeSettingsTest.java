package io.walletoutbox.app.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README's configuration table and {@link AppConfig.Setting}: the same names, the same written defaults. */
class ReadmeSettingsTest {
    private static final Pattern NAME = Pattern.compile("`([A-Z][A-Z0-9_]+)`");

    @Test
    void everySettingHasARowAndEveryRowIsASetting() throws IOException {
        Map<String, String> rows = rows();
        Set<String> settings =
                Arrays.stream(AppConfig.Setting.values()).map(Enum::name).collect(Collectors.toSet());
        for (String name : settings) {
            assertTrue(rows.containsKey(name), "README's configuration table has no row for " + name);
        }
        for (String name : rows.keySet()) {
            assertTrue(settings.contains(name), "README documents " + name + ", which the service does not read");
        }
    }

    @Test
    void aDefaultWrittenAsAValueIsTheSettingsDefault() throws IOException {
        Map<String, String> rows = rows();
        for (AppConfig.Setting s : AppConfig.Setting.values()) {
            String written = rows.get(s.name());
            // Prose ("embedded", "—", "3 on ≥ 3 brokers, else 1") describes an unset value; a value in backticks
            // must be the one the service uses when the setting is not given.
            if (!s.fallback().isEmpty() || written.matches("`[^`]*`")) {
                assertEquals("`" + s.fallback() + "`", written, "README's default of " + s.name());
            }
        }
    }

    /** Setting name → its default column, from the table under "| variable | default | meaning |". */
    private static Map<String, String> rows() throws IOException {
        String readme = Files.readString(root().resolve("README.md"));
        int start = readme.indexOf("| variable | default | meaning |");
        assertTrue(start >= 0, "README.md has no configuration table");
        Map<String, String> rows = new LinkedHashMap<>();
        for (String line : readme.substring(start).lines().skip(2).toList()) {
            if (!line.startsWith("|")) {
                break;
            }
            String[] cells = line.split("\\|");
            var names = NAME.matcher(cells[1]);
            while (names.find()) {
                rows.put(names.group(1), cells[2].strip());
            }
        }
        return rows;
    }

    private static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("README.md"))) {
            dir = dir.getParent();
        }
        assertNotNull(dir, "no README.md above the working directory");
        return dir;
    }
}
