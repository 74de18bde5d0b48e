package io.walletoutbox.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A probe run in a child JVM (the JDK of this test, its source launcher) with exactly the jars a test names, against
 * a real PostgreSQL of its own: how the library tests show what an artifact needs at run time and what it does not.
 */
final class ChildJvm {
    private ChildJvm() {}

    /**
     * Runs {@code probe} (a Java source file's text with a {@code main(jdbcUrl, user)}) with {@code pathOptions}
     * (e.g. {@code -cp <jars>}) before it, on a fresh database {@code database}; returns what it printed once it has
     * exited with 0.
     */
    static String run(Path dir, String probe, List<String> pathOptions, String database) throws Exception {
        Path source = Files.writeString(dir.resolve("Probe.java"), probe);
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(pathOptions);
        try (EmbeddedPostgres postgres = EmbeddedPostgres.start(dir.resolve("pg"), 0)) {
            postgres.createDatabaseIfAbsent(database);
            command.add(source.toString());
            command.add(postgres.jdbcUrl(database));
            command.add(EmbeddedPostgres.USER);
            Process child =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            assertTrue(child.waitFor(2, TimeUnit.MINUTES), "the child JVM ended");
            String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, child.exitValue(), out);
            return out;
        }
    }

    /** {@code jars} as one path option's value. */
    static String path(List<Path> jars) {
        return String.join(File.pathSeparator, jars.stream().map(Path::toString).toList());
    }

    /** The jar on this test's class path whose file name starts with {@code prefix}. */
    static Path onTestClassPath(String prefix) throws IOException {
        String testClassPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : testClassPath.split(File.pathSeparator)) {
            Path path = Path.of(entry);
            String name = path.getFileName().toString();
            if (name.startsWith(prefix) && name.endsWith(".jar")) {
                return path;
            }
        }
        throw new IOException("no " + prefix + "*.jar on the test class path");
    }
}
