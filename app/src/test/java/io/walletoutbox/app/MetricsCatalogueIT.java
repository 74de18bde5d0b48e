package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/metrics.md} against live {@code /metrics}: every metric family two running instances serve is
 * documented, and every documented family is served. One instance runs the polling relay, the other the CDC relay
 * (its slot gauges and producer exist only there); both run every role and pay bills, so the Kafka clients' and the
 * biller's families exist. A family is what a {@code # TYPE} line names, written as the catalogue writes it: a
 * counter with {@code _total}, a histogram or summary by its base name (its {@code _bucket}, {@code _count},
 * {@code _sum} samples and Micrometer's {@code _max} gauge go with it). The catalogue's names are the first cell of
 * every row of a table headed {@code | name |}; a name ending in {@code *} documents every family with that prefix
 * (the libraries' own families) and must match at least one.
 */
class MetricsCatalogueIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TYPE = Pattern.compile("^# TYPE (\\S+) (\\S+)$");
    private static final Pattern NAME_CELL = Pattern.compile("^\\|\\s*`([a-z][a-z0-9_]*\\*?)`");

    private static ServiceHarness polling;
    private static ServiceHarness cdc;

    @BeforeAll
    static void start() {
        polling = new ServiceHarness("catalogue_polling", Map.of());
        cdc = new ServiceHarness("catalogue_cdc", Map.of("RELAY_MODE", "cdc"));
        payABill(polling);
        payABill(cdc);
        System.gc(); // jvm_gc_pause_seconds appears with the first pause
    }

    @AfterAll
    static void stop() {
        ServiceHarness.closeAll(polling, cdc);
    }

    @Test
    void everyServedFamilyIsDocumentedAndEveryDocumentedFamilyIsServed() throws IOException {
        Set<String> documented = documentedNames();
        assertFalse(documented.isEmpty(), "docs/metrics.md has no table headed | name |");
        // Some families register on first use, during a scrape (a currency's clearing gauge once the cached ledger
        // read sees its first payment): scrape again until every documented one showed up, for at most 30 s.
        Map<String, String> served = new TreeMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            served.putAll(families(polling));
            served.putAll(families(cdc));
            boolean all = documented.stream()
                    .allMatch(d -> d.endsWith("*")
                            ? served.keySet().stream().anyMatch(f -> matchesPrefix(d, f))
                            : served.containsKey(d));
            if (all || System.nanoTime() > deadline) {
                break;
            }
            sleep(Duration.ofSeconds(1));
        }

        List<String> undocumented = new ArrayList<>();
        for (String family : served.keySet()) {
            if (!documented.contains(family) && documented.stream().noneMatch(d -> matchesPrefix(d, family))) {
                undocumented.add(family + " (" + served.get(family) + ")");
            }
        }
        List<String> absent = new ArrayList<>();
        for (String name : documented) {
            boolean exists = name.endsWith("*")
                    ? served.keySet().stream().anyMatch(f -> matchesPrefix(name, f))
                    : served.containsKey(name);
            if (!exists) {
                absent.add(name);
            }
        }
        List<String> problems = new ArrayList<>();
        if (!undocumented.isEmpty()) {
            problems.add("families served on /metrics that docs/metrics.md does not document (add a row to its"
                    + " tables): " + undocumented);
        }
        if (!absent.isEmpty()) {
            problems.add("families docs/metrics.md documents that neither a polling nor a CDC instance serves (remove"
                    + " or rename the row): " + absent);
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean matchesPrefix(String documented, String family) {
        return documented.endsWith("*") && family.startsWith(documented.substring(0, documented.length() - 1));
    }

    /** The families of one instance's {@code /metrics}, named as the catalogue names them, with their type. */
    static Map<String, String> families(ServiceHarness service) {
        var response = service.get("/metrics");
        assertEquals(200, response.statusCode(), response.body());
        Map<String, String> types = new LinkedHashMap<>();
        for (String line : response.body().lines().toList()) {
            Matcher m = TYPE.matcher(line);
            if (m.matches()) {
                types.put(m.group(1), m.group(2));
            }
        }
        assertFalse(types.isEmpty(), "no # TYPE line in /metrics");
        Map<String, String> families = new TreeMap<>();
        for (var e : types.entrySet()) {
            String name = e.getKey();
            String type = e.getValue();
            if (type.equals("counter") && !name.endsWith("_total")) {
                name = name + "_total";
            }
            if (type.equals("gauge") && name.endsWith("_max")) {
                String base = name.substring(0, name.length() - "_max".length());
                String baseType = types.get(base);
                if ("histogram".equals(baseType) || "summary".equals(baseType)) {
                    continue; // Micrometer's maximum of a timer or distribution summary: part of its family
                }
            }
            families.put(name, type);
        }
        return families;
    }

    /** The first backticked cell of every row of the tables headed {@code | name |} in docs/metrics.md. */
    static Set<String> documentedNames() throws IOException {
        List<String> lines = Files.readAllLines(repoRoot().resolve("docs/metrics.md"));
        Set<String> names = new TreeSet<>();
        boolean inTable = false;
        for (String line : lines) {
            if (line.startsWith("| name |")) {
                inTable = true;
                continue;
            }
            if (!line.startsWith("|")) {
                inTable = false;
                continue;
            }
            Matcher m = NAME_CELL.matcher(line);
            if (inTable && m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    private static void payABill(ServiceHarness service) {
        try {
            var created = service.post("/wallets", "{\"currency\":\"USD\"}", null);
            assertEquals(201, created.statusCode(), created.body());
            String wallet = JSON.readTree(created.body()).path("id").asText();
            var topUp = service.post("/wallets/" + wallet + "/top-ups", "{\"amount\":1000}", "top-" + wallet);
            assertEquals(201, topUp.statusCode(), topUp.body());
            var paid = service.post(
                    "/wallets/" + wallet + "/bill-payments",
                    "{\"biller\":\"wifi\",\"customerRef\":\"ACC-1\",\"amount\":100}",
                    "pay-" + wallet);
            assertEquals(202, paid.statusCode(), paid.body());
            String payment = JSON.readTree(paid.body()).path("id").asText();
            ServiceHarness.await(Duration.ofSeconds(60), "payment " + payment + " to succeed", () -> {
                try {
                    return JSON.readTree(
                                    service.get("/bill-payments/" + payment).body())
                            .path("status")
                            .asText()
                            .equals("SUCCEEDED");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("docs"))) {
            dir = dir.getParent();
        }
        assertNotNull(dir, "no docs/ above the working directory");
        return dir;
    }
}
