package io.walletoutbox.relay.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The database's floor under a drain (issue 25, item 3): pgbench runs the claim-and-delete statement of {@code
 * ops/bench/relay-claim-delete.sql} on a filled outbox, as many clients as the relay has workers, until every row is
 * gone; the rate is the rows deleted per second of pgbench's run (without its connection time).
 */
final class DatabaseFloor {
    private static final Pattern TPS = Pattern.compile("(?m)^tps = ([\\d.]+)");
    private static final Pattern DONE = Pattern.compile("(?m)^number of transactions actually processed: (\\d+)");

    private final Path script;
    private final String jdbcUrl;
    private final String user;
    private final String password;

    DatabaseFloor(Path script, String jdbcUrl, String user, String password) {
        this.script = script;
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
    }

    /**
     * Deletes the {@code events} rows of the outbox in claims of {@code batch} by {@code clients} pgbench clients and
     * returns rows per second.
     */
    double drain(int events, int batch, int clients) throws IOException, InterruptedException {
        int claims = (events + batch - 1) / batch;
        int perClient = (claims + clients - 1) / clients;
        // "jdbc:postgresql://host:port[,host2:port2]/db?…": the first host, as pgbench takes one.
        var uri = URI.create(jdbcUrl.substring("jdbc:".length()).replaceFirst(",[^/]*/", "/"));
        String database = uri.getPath().substring(1);
        var command = List.of(
                "pgbench",
                "-n",
                "-M",
                "prepared",
                "-c",
                Integer.toString(clients),
                "-j",
                Integer.toString(Math.min(clients, Runtime.getRuntime().availableProcessors())),
                "-t",
                Integer.toString(perClient),
                "-D",
                "batch=" + batch,
                "-f",
                script.toString(),
                database);
        var builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("PGHOST", uri.getHost());
        builder.environment().put("PGPORT", Integer.toString(uri.getPort() > 0 ? uri.getPort() : 5432));
        builder.environment().put("PGUSER", user);
        builder.environment().put("PGPASSWORD", password);
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("pgbench failed:\n" + out);
        }
        var tps = TPS.matcher(out);
        var done = DONE.matcher(out);
        if (!tps.find() || !done.find()) {
            throw new IllegalStateException("pgbench printed no rate:\n" + out);
        }
        double seconds = Long.parseLong(done.group(1)) / Double.parseDouble(tps.group(1));
        System.out.printf(
                "pgbench %s: %d clients x %d claims of %d, %.3f s%n",
                script.getFileName(), clients, perClient, batch, seconds);
        return events / seconds;
    }

    /** The script, checked to exist (relay-bench.sh runs from the repository's root). */
    static Path script(String path) {
        Path p = Path.of(path);
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("no pgbench script " + p.toAbsolutePath() + " (-Dpgbench.script)");
        }
        return p;
    }
}
