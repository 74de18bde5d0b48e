package io.walletoutbox.ops.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.ops.Tokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * Issue 5, item 8: against a running service whose biller answers 20 % of requests with 503 and charges then
 * drops the response of 10 %, makes 500 payments over 50 wallets, waits until every payment is terminal and
 * prints the biller's charges, SUCCEEDED, FAILED, refunds and the money before and after. Exits 1 unless
 * charges == SUCCEEDED and money is conserved (and, beyond the issue, unless I1–I7 hold).
 *
 * <p>Usage: {@code FaultyBillerRun <apiPort> <simulatorUrl> <jdbcUrl> <bootstrap> <topic> [seed]} (loopback only;
 * {@code ops/payments/faulty-biller-run.sh} starts the service and calls this). Tokens come from the issuer the
 * environment names ({@code AUTH_TOKEN_URL} or {@code AUTH_ISSUER}, see {@link Tokens#fromEnvironment}): each
 * wallet is opened by a user of its own and funded by a funding service (scope {@code wallet:fund}).
 */
public final class FaultyBillerRun {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WALLETS = 50;
    private static final int PAYMENTS = 500;
    private static final long FUNDS = 1_000_000L;

    private FaultyBillerRun() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: FaultyBillerRun <apiPort> <simulatorUrl> <jdbcUrl> <bootstrap> <topic> [seed]");
            System.exit(2);
        }
        int apiPort = Integer.parseInt(args[0]);
        URI sim = URI.create(args[1]);
        String jdbc = args[2];
        String bootstrap = args[3];
        String topic = args[4];
        long seed = args.length > 5 ? Long.parseLong(args[5]) : 1;
        if (!List.of("localhost", "127.0.0.1").contains(sim.getHost()) || !jdbc.contains("//127.0.0.1:")) {
            System.err.println("loopback addresses only");
            System.exit(2);
        }
        HttpClient http = HttpClient.newHttpClient();
        var faults = http.send(
                HttpRequest.newBuilder(sim.resolve("/v1/faults"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"errorRate\":0.2,\"dropResponseRate\":0.1}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        System.out.println("biller faults: " + faults.body());

        Tokens tokens = Tokens.fromEnvironment(null);
        System.out.println("tokens from " + tokens);
        Driver driver = new Driver(() -> apiPort, tokens);
        String tag = "fb" + seed;
        List<UUID> wallets = driver.createWallets(WALLETS, "faulty-" + tag, FUNDS);
        long before;
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", "")) {
            before = walletTotal(c, wallets);
        }
        // 5 % of the payments go to customers the biller declines, so refunds happen too.
        var plan = Driver.plan(new Random(seed), wallets, PAYMENTS, tag, 0.05);
        long t0 = System.nanoTime();
        driver.run(plan, Duration.ofSeconds(10), 16, Duration.ofSeconds(120));
        System.out.printf(
                "payments: %d accepted (202) in %.1f s, %d unanswered%n",
                driver.acknowledged.size(), (System.nanoTime() - t0) / 1e9, driver.unanswered.get());

        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        long pending = Long.MAX_VALUE;
        while (System.nanoTime() < deadline) {
            try (Connection c = DriverManager.getConnection(jdbc, "postgres", "")) {
                pending = count(c, "SELECT count(*) FROM bill_payment WHERE status = 'PENDING'");
            }
            if (pending == 0) {
                break;
            }
            Thread.sleep(1000);
        }
        System.out.printf("all terminal after %.1f s: %s%n", (System.nanoTime() - t0) / 1e9, pending == 0);

        Set<String> ids = new HashSet<>();
        driver.acknowledged.forEach(id -> ids.add(id.toString()));
        var chargesJson = http.send(
                        HttpRequest.newBuilder(sim.resolve("/v1/charges")).build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        long charges = 0;
        for (JsonNode ch : JSON.readTree(chargesJson)) {
            if (ids.contains(ch.path("idempotencyKey").asText())) {
                charges++;
            }
        }
        boolean ok;
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", "")) {
            long succeeded = count(c, "SELECT count(*) FROM bill_payment WHERE status = 'SUCCEEDED'");
            long failed = count(c, "SELECT count(*) FROM bill_payment WHERE status = 'FAILED'");
            long refunds = count(c, "SELECT count(*) FROM transfer WHERE kind = 'REFUND'");
            long settled = count(c, "SELECT coalesce(sum(balance), 0) FROM account WHERE kind = 'BILLER_SETTLEMENT'");
            long clearing = count(c, "SELECT coalesce(sum(balance), 0) FROM account WHERE kind = 'BILLER_CLEARING'");
            long paidAmount = count(c, "SELECT coalesce(sum(amount), 0) FROM bill_payment WHERE status = 'SUCCEEDED'");
            long ledgerSum = count(c, "SELECT coalesce(sum(balance), 0) FROM account");
            long after = walletTotal(c, wallets);
            System.out.printf("charges at the biller: %d%n", charges);
            System.out.printf("SUCCEEDED: %d%nFAILED: %d%nrefunds: %d%n", succeeded, failed, refunds);
            System.out.printf(
                    "money before: %d in wallets%nmoney after: %d in wallets + %d settled to the biller + %d in clearing"
                            + " = %d (sum of all accounts %d)%n",
                    before, after, settled, clearing, after + settled + clearing, ledgerSum);
            boolean conserved =
                    after + settled + clearing == before && ledgerSum == 0 && settled == paidAmount && clearing == 0;
            ok = pending == 0 && charges == succeeded && refunds == failed && conserved;
            System.out.printf("charges == SUCCEEDED: %s; money conserved: %s%n", charges == succeeded, conserved);

            String answersJson = http.send(
                            HttpRequest.newBuilder(sim.resolve("/v1/answers")).build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            Checker checker = new Checker();
            checker.check(
                    c,
                    TopicReader.readAll(bootstrap, topic),
                    TopicReader.readAll(bootstrap, topic + ".dlq"),
                    chargesJson,
                    answersJson,
                    new Checker.Expectations(driver.acknowledged, tag));
            StringBuilder line = new StringBuilder("invariants:");
            for (var e : checker.violations().entrySet()) {
                line.append(' ')
                        .append(e.getKey())
                        .append('=')
                        .append(e.getValue().isEmpty() ? "ok" : "FAIL");
                e.getValue().forEach(v -> System.out.println("  " + e.getKey() + ": " + v));
                ok &= e.getValue().isEmpty();
            }
            System.out.println(line);
        }
        System.out.println(ok ? "PASS" : "FAIL");
        System.exit(ok ? 0 : 1);
    }

    private static long walletTotal(Connection c, List<UUID> wallets) throws Exception {
        try (var ps = c.prepareStatement("SELECT coalesce(sum(balance), 0) FROM account WHERE id = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("uuid", wallets.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static long count(Connection c, String sql) throws Exception {
        try (var s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
