package io.walletoutbox.ops;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The "Where things live" section of {@code docs/architecture.md} stays true: its table names every package under a
 * module's {@code src/main/java}, each beside its module, and no package that does not exist; every class it names
 * (a {@code `Name`} or {@code `Name.member`} in backticks) has a main source file (or is this test), with that
 * member in it; every
 * server-side function it names ({@code `snake_case`}) is created by a migration; every path it names exists.
 * Event types ({@code BillPaymentRequested}, …) count as named when {@code WalletEvents} defines them.
 */
class WhereThingsLiveTest {
    private static final Path ROOT = DeployManifestsTest.ROOT;
    private static final String HEADING = "## Where things live";
    private static final Pattern ROW =
            Pattern.compile("^\\|\\s*`([a-z-]+)`\\s*\\|\\s*`(io\\.walletoutbox[a-z0-9.]*)`\\s*\\|");
    private static final Pattern PACKAGE = Pattern.compile("`(io\\.walletoutbox(?:\\.[a-z][a-z0-9]*)*)`");
    private static final Pattern CODE = Pattern.compile("`([^`\\s]+)`");
    private static final Pattern CLASS =
            Pattern.compile("([A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*)(?:\\.([a-z][A-Za-z0-9]*))?");
    private static final Pattern FUNCTION = Pattern.compile("[a-z]+(?:_[a-z]+)+");

    @Test
    void mapNamesEveryPackageOfEveryModuleAndNoOther() throws IOException {
        String section = section();
        Set<String> mapped = new TreeSet<>();
        for (String line : section.lines().toList()) {
            Matcher row = ROW.matcher(line);
            if (row.find()) {
                mapped.add(row.group(1) + " " + row.group(2));
            }
        }
        assertFalse(mapped.isEmpty(), "no | `module` | `package` | row in " + HEADING);
        Set<String> named = new TreeSet<>();
        Matcher m = PACKAGE.matcher(section);
        while (m.find()) {
            named.add(m.group(1));
        }
        Set<String> actual = packages();
        Set<String> actualNames = new TreeSet<>();
        actual.forEach(p -> actualNames.add(p.substring(p.indexOf(' ') + 1)));

        Set<String> unmapped = new TreeSet<>(actual);
        unmapped.removeAll(mapped);
        Set<String> stale = new TreeSet<>(mapped);
        stale.removeAll(actual);
        Set<String> unknown = new TreeSet<>(named);
        unknown.removeAll(actualNames);
        assertTrue(
                unmapped.isEmpty() && stale.isEmpty() && unknown.isEmpty(),
                "docs/architecture.md, " + HEADING + ": packages (module package) that exist but have no row: "
                        + unmapped + "; rows naming no such package in that module: " + stale
                        + "; packages named that do not exist: " + unknown);
    }

    @Test
    void classesFunctionsAndPathsItNamesExist() throws IOException {
        String section = section();
        List<Path> sources = sources();
        String events = Files.readString(ROOT.resolve("wallet/src/main/java/io/walletoutbox/wallet/WalletEvents.java"));
        String migrations = migrations();
        List<String> missing = new ArrayList<>();
        Matcher code = CODE.matcher(section);
        while (code.find()) {
            String token = code.group(1);
            Matcher c = CLASS.matcher(token);
            if (c.matches()) {
                if (events.contains("\"" + token + "\"")) {
                    continue; // an event type
                }
                List<Path> files = Stream.concat(sources.stream(), Stream.of(thisTest()))
                        .filter(p -> p.getFileName().toString().equals(c.group(1) + ".java"))
                        .toList();
                if (files.isEmpty()) {
                    missing.add(token + " (no " + c.group(1) + ".java under any src/main/java)");
                } else if (c.group(2) != null && !anyContains(files, c.group(2) + "(")) {
                    missing.add(token + " (" + c.group(1) + ".java has no " + c.group(2) + "(…))");
                }
            } else if (FUNCTION.matcher(token).matches()) {
                if (!Pattern.compile("(?i)CREATE (OR REPLACE )?FUNCTION " + token + "\\(")
                        .matcher(migrations)
                        .find()) {
                    missing.add(token + " (no migration creates this function)");
                }
            } else if (token.contains("/") && !token.startsWith("/") && !Files.exists(ROOT.resolve(token))) {
                missing.add(token + " (no such path)");
            }
        }
        assertTrue(missing.isEmpty(), "docs/architecture.md, " + HEADING + " names:\n" + String.join("\n", missing));
    }

    private static Path thisTest() {
        return ROOT.resolve("ops/src/test/java/io/walletoutbox/ops/WhereThingsLiveTest.java");
    }

    /** The text from the heading to the next heading of the same level. */
    static String section() throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("docs/architecture.md"));
        int start = lines.indexOf(HEADING);
        assertTrue(start >= 0, "docs/architecture.md has no '" + HEADING + "' section");
        int end = start + 1;
        while (end < lines.size() && !lines.get(end).startsWith("## ")) {
            end++;
        }
        return String.join("\n", lines.subList(start + 1, end));
    }

    /** "module package" for every package with a main source file, module being the module's directory. */
    private static Set<String> packages() throws IOException {
        Set<String> packages = new TreeSet<>();
        for (Path source : sources()) {
            Path relative = ROOT.relativize(source);
            String module = relative.getName(0).toString();
            Path main = ROOT.resolve(module).resolve("src/main/java");
            Path dir = main.relativize(source).getParent();
            if (dir != null) {
                packages.add(module + " "
                        + dir.toString().replace(source.getFileSystem().getSeparator(), "."));
            }
        }
        assertFalse(packages.isEmpty(), "no package found under */src/main/java");
        return packages;
    }

    /** Every Java file under a module's {@code src/main/java}, {@code module-info.java} aside. */
    private static List<Path> sources() throws IOException {
        List<Path> sources = new ArrayList<>();
        try (Stream<Path> modules = Files.list(ROOT)) {
            for (Path module : modules.sorted().toList()) {
                Path main = module.resolve("src/main/java");
                if (!Files.isDirectory(main)) {
                    continue;
                }
                try (Stream<Path> files = Files.walk(main)) {
                    files.filter(p -> p.toString().endsWith(".java"))
                            .filter(p -> !p.getFileName().toString().equals("module-info.java"))
                            .forEach(sources::add);
                }
            }
        }
        return sources;
    }

    /** The text of every SQL migration under a module's {@code src/main/resources}. */
    private static String migrations() throws IOException {
        StringBuilder sql = new StringBuilder();
        try (Stream<Path> modules = Files.list(ROOT)) {
            for (Path module : modules.sorted().toList()) {
                Path resources = module.resolve("src/main/resources");
                if (!Files.isDirectory(resources)) {
                    continue;
                }
                try (Stream<Path> files = Files.walk(resources)) {
                    for (Path p :
                            files.filter(f -> f.toString().endsWith(".sql")).toList()) {
                        sql.append(Files.readString(p)).append('\n');
                    }
                }
            }
        }
        return sql.toString();
    }

    private static boolean anyContains(List<Path> files, String text) throws IOException {
        for (Path f : files) {
            if (Files.readString(f).contains(text)) {
                return true;
            }
        }
        return false;
    }
}
