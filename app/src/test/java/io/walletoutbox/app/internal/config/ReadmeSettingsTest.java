package io.walletoutbox.app.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.walletoutbox.app.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's configuration table is generated from {@link Setting} (name, default, description, secret),
 * the same source {@code --help} prints: the table in README.md must be exactly {@link #table()}, and the table and
 * the output of {@code --help} must name the same settings with the same meanings and defaults. A setting added,
 * renamed or reworded without the README fails here with the table to paste.
 */
class ReadmeSettingsTest {
    static final String HEADER = "| variable | default | meaning |";
    private static final Pattern HELP_LINE = Pattern.compile("^  (--[a-z0-9-]+) +([A-Z][A-Z0-9_]*) +(.*)$");
    private static final Pattern HELP_DEFAULT = Pattern.compile("^(.*) \\(default ([^()]*)\\)$");
    private static final Pattern README_NAME = Pattern.compile("^`([A-Z][A-Z0-9_]*)`( \\(secret; or `\\1_FILE`\\))?$");

    /** One setting as a document shows it. */
    record Row(String name, String fallback, String meaning, boolean secret) {}

    /** The configuration table README.md must hold, generated from {@link Setting}. */
    static String table() {
        StringBuilder table = new StringBuilder(HEADER).append('\n').append("|---|---|---|\n");
        for (Setting s : Setting.values()) {
            table.append("| `")
                    .append(s.name())
                    .append('`')
                    .append(s.secret() ? " (secret; or `" + s.name() + "_FILE`)" : "")
                    .append(" | ")
                    .append(s.fallback().isEmpty() ? "—" : "`" + s.fallback() + "`")
                    .append(" | ")
                    .append(s.description().replace("|", "\\|"))
                    .append(" |\n");
        }
        return table.toString();
    }

    @Test
    void readmeTableIsGeneratedFromTheSettings() throws IOException {
        String expected = table();
        String actual = readmeTable();
        if (!expected.equals(actual)) {
            List<String> want = expected.lines().toList();
            List<String> have = actual.lines().toList();
            int line = 0;
            while (line < Math.min(want.size(), have.size()) && want.get(line).equals(have.get(line))) {
                line++;
            }
            fail("README.md's configuration table differs from the Setting enum (the source of --help) at its row "
                    + line + ":\n  README:   " + (line < have.size() ? have.get(line) : "(no more rows)")
                    + "\n  expected: " + (line < want.size() ? want.get(line) : "(no more rows)")
                    + "\nReplace the table under '" + HEADER + "' in README.md with:\n" + expected);
        }
    }

    @Test
    void helpAndReadmeNameTheSameSettingsWithTheSameMeaningsAndDefaults() throws IOException {
        Map<String, Row> help = helpRows();
        Map<String, Row> readme = readmeRows();
        assertFalse(help.isEmpty(), "--help printed no setting");
        assertEquals(List.copyOf(help.keySet()), List.copyOf(readme.keySet()), "settings of --help vs README.md");
        for (String name : help.keySet()) {
            assertEquals(help.get(name), readme.get(name), "--help vs README.md for " + name);
        }
    }

    /** The rows of {@code --help}: {@code --flag NAME meaning (default X)}, and {@code NAME_FILE} for secrets. */
    private static Map<String, Row> helpRows() {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            Main.main(new String[] {"--help"});
        } finally {
            System.setOut(original);
        }
        Map<String, Row> rows = new LinkedHashMap<>();
        for (String line : buffer.toString(StandardCharsets.UTF_8).lines().toList()) {
            Matcher m = HELP_LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String name = m.group(2);
            assertEquals("--" + name.toLowerCase(java.util.Locale.ROOT).replace('_', '-'), m.group(1), line);
            String base = name.endsWith("_FILE") ? name.substring(0, name.length() - "_FILE".length()) : null;
            if (base != null && rows.containsKey(base) && m.group(3).equals("file holding " + base)) {
                Row secret = rows.get(base);
                rows.put(base, new Row(base, secret.fallback(), secret.meaning(), true));
                continue;
            }
            Matcher d = HELP_DEFAULT.matcher(m.group(3));
            rows.put(
                    name,
                    d.matches() ? new Row(name, d.group(2), d.group(1), false) : new Row(name, "", m.group(3), false));
        }
        return rows;
    }

    /** The rows of README.md's table: {@code `NAME` (secret; or `NAME_FILE`) | `default` or — | meaning}. */
    private static Map<String, Row> readmeRows() throws IOException {
        Map<String, Row> rows = new LinkedHashMap<>();
        for (String line : readmeTable().lines().skip(2).toList()) {
            List<String> cells = cells(line);
            assertEquals(3, cells.size(), "README configuration row with other than 3 cells: " + line);
            Matcher name = README_NAME.matcher(cells.get(0));
            assertTrue(name.matches(), "README configuration row names no single setting: " + line);
            String fallback = cells.get(1);
            if (fallback.equals("—")) {
                fallback = "";
            } else {
                assertTrue(fallback.matches("`[^`]+`"), "README default neither `value` nor —: " + line);
                fallback = fallback.substring(1, fallback.length() - 1);
            }
            rows.put(name.group(1), new Row(name.group(1), fallback, cells.get(2), name.group(2) != null));
        }
        return rows;
    }

    /** The cells of a Markdown table row, {@code \|} unescaped. */
    private static List<String> cells(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        for (int i = 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length() && line.charAt(i + 1) == '|') {
                cell.append('|');
                i++;
            } else if (c == '|') {
                cells.add(cell.toString().strip());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        return cells;
    }

    /** The table in README.md: from its header to the first line that is no table row. */
    private static String readmeTable() throws IOException {
        String readme = Files.readString(root().resolve("README.md"));
        int start = readme.indexOf(HEADER);
        assertTrue(start >= 0, "README.md has no configuration table (" + HEADER + ")");
        StringBuilder table = new StringBuilder();
        for (String line : readme.substring(start).lines().toList()) {
            if (!line.startsWith("|")) {
                break;
            }
            table.append(line).append('\n');
        }
        return table.toString();
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
