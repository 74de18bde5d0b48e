package io.walletoutbox.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No production source (every module's {@code src/main}, the ops harness included) is over 400 lines: a file that
 * grows past it is split by responsibility in the change that grows it (issue 22, "rooms of one purpose").
 */
class RoomSizeTest {
    static final int MOST_LINES = 400;

    @Test
    void noProductionSourceIsOverFourHundredLines() throws IOException {
        List<Path> sources;
        try (Stream<Path> tree = Files.walk(DeployManifestsTest.ROOT)) {
            sources = tree.filter(p -> p.toString().endsWith(".java"))
                    .filter(p ->
                            DeployManifestsTest.ROOT.relativize(p).toString().contains("/src/main/"))
                    .filter(p -> !p.toString().contains("/target/"))
                    .filter(p -> !p.toString().contains("/node_modules/"))
                    .toList();
        }
        assertFalse(sources.isEmpty(), "no source found under " + DeployManifestsTest.ROOT);
        List<String> over = sources.stream()
                .filter(p -> lines(p) > MOST_LINES)
                .map(p -> DeployManifestsTest.ROOT.relativize(p) + " (" + lines(p) + " lines)")
                .sorted()
                .toList();
        assertEquals(List.of(), over, "sources over " + MOST_LINES + " lines: split them by responsibility");
    }

    private static long lines(Path p) {
        try (Stream<String> l = Files.lines(p)) {
            return l.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
