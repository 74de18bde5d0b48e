package io.walletoutbox.ops;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * README.md points at every document in {@code docs/}, and every relative link of README.md and {@code docs/*.md}
 * leads somewhere: a file or directory of the repository and, with a {@code #fragment} into a Markdown file, one of
 * its headings (GitHub's anchors).
 */
class DocumentLinksTest {
    private static final Path ROOT = DeployManifestsTest.ROOT;
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    @Test
    void readmeLinksEveryDocument() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        List<String> missing = new ArrayList<>();
        for (Path doc : documents()) {
            String name = "docs/" + doc.getFileName();
            if (!readme.contains("](" + name + ")") && !readme.contains("](" + name + "#")) {
                missing.add(name);
            }
        }
        assertTrue(missing.isEmpty(), "README.md links no [`…`](docs/….md) to " + missing);
    }

    @Test
    void everyRelativeLinkResolves() throws IOException {
        List<Path> files = new ArrayList<>(documents());
        files.addFirst(ROOT.resolve("README.md"));
        List<String> broken = new ArrayList<>();
        for (Path file : files) {
            Matcher m = LINK.matcher(Files.readString(file));
            while (m.find()) {
                String link = m.group(1);
                if (link.matches("[a-z]+:.*")) {
                    continue; // http:, https:, mailto:
                }
                int hash = link.indexOf('#');
                String path = hash < 0 ? link : link.substring(0, hash);
                Path target =
                        path.isEmpty() ? file : file.getParent().resolve(path).normalize();
                String where = ROOT.relativize(file) + ": " + link;
                if (!Files.exists(target)) {
                    broken.add(where + " (no such file)");
                } else if (hash >= 0 && target.toString().endsWith(".md")) {
                    String fragment = link.substring(hash + 1);
                    if (!AlertRunbooksTest.sections(Files.readAllLines(target)).containsKey(fragment)) {
                        broken.add(where + " (no heading with that anchor)");
                    }
                }
            }
        }
        assertTrue(broken.isEmpty(), "broken links:\n" + String.join("\n", broken));
    }

    private static List<Path> documents() throws IOException {
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            List<Path> list =
                    docs.filter(p -> p.toString().endsWith(".md")).sorted().toList();
            assertFalse(list.isEmpty(), "no document in docs/");
            return new ArrayList<>(list);
        }
    }
}
