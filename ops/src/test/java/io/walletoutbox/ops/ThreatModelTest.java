package io.walletoutbox.ops;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/security.md names, for every threat, the test that proves its control: every named test class exists in
 * the repository, every named test method exists in its class, every named chaos scenario is registered, and every
 * row of the threats table names at least one test.
 */
class ThreatModelTest {
    private static final Path ROOT = DeployManifestsTest.ROOT;
    private static final Pattern TEST = Pattern.compile("`([A-Z][A-Za-z0-9]*(?:IT|Test))(?:\\.([a-zA-Z0-9]+)…?)?");
    private static final Pattern CHAOS = Pattern.compile("chaos `([a-z0-9-]+)`");

    @Test
    void everyControlNamesATestThatExists() throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("docs/security.md"));
        Set<String> classes = testClasses();
        String chaosReadme = Files.readString(ROOT.resolve("ops/chaos/README.md"));
        List<String> missing = new ArrayList<>();
        int threats = 0;
        for (String line : lines) {
            if (!line.matches("\\| T[0-9]+ \\|.*")) {
                continue;
            }
            threats++;
            String proof = line.substring(line.lastIndexOf('|', line.length() - 2));
            Matcher t = TEST.matcher(proof);
            boolean named = false;
            while (t.find()) {
                named = true;
                if (!classes.contains(t.group(1))) {
                    missing.add(t.group(1) + " (no such test class)");
                } else if (t.group(2) != null && !methodExists(t.group(1), t.group(2))) {
                    missing.add(t.group(1) + "." + t.group(2) + "… (no such test method)");
                }
            }
            Matcher c = CHAOS.matcher(line);
            while (c.find()) {
                named = true;
                if (!chaosReadme.contains("`" + c.group(1) + "`")) {
                    missing.add("chaos " + c.group(1) + " (not in ops/chaos/README.md)");
                }
            }
            if (!named) {
                missing.add(line.substring(0, Math.min(40, line.length())) + "… names no test");
            }
        }
        assertTrue(threats >= 10, "docs/security.md has a threats table");
        assertTrue(missing.isEmpty(), "docs/security.md: " + missing);
    }

    private static Set<String> testClasses() throws IOException {
        Set<String> names = new HashSet<>();
        try (Stream<Path> files = Files.walk(ROOT)) {
            files.filter(p -> p.toString().contains("src" + java.io.File.separator + "test"))
                    .filter(p -> !p.toString().contains(java.io.File.separator + "target" + java.io.File.separator))
                    .map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".java"))
                    .forEach(n -> names.add(n.substring(0, n.length() - ".java".length())));
        }
        return names;
    }

    private static boolean methodExists(String testClass, String prefix) {
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.filter(p -> p.getFileName().toString().equals(testClass + ".java"))
                    .anyMatch(p -> {
                        try {
                            return Pattern.compile("void " + Pattern.quote(prefix))
                                    .matcher(Files.readString(p))
                                    .find();
                        } catch (IOException e) {
                            return false;
                        }
                    });
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void theTableHasNoPlaceholders() throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/security.md"));
        assertFalse(doc.contains("TODO") || doc.contains("TBD"), "docs/security.md is finished");
    }
}
