package io.walletoutbox.ops.chaos;

import io.walletoutbox.embedded.EmbeddedKafkaCluster;
import io.walletoutbox.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The CPU time {@link ScaleRun} measures, from Linux's {@code /proc}: the utime+stime ticks of every process of a
 * topology (PostgreSQL: the postmaster, its live children and its collected ones) and the whole machine's busy and
 * total ticks.
 */
final class ProcessCpu {
    private ProcessCpu() {}

    /** The processes measured, by name: services, the pair, the brokers, the simulator, this load generator. */
    static Map<String, Long> pids(Cluster cluster, EmbeddedKafkaCluster kafka, String[] hosts) throws Exception {
        Map<String, Long> pids = new LinkedHashMap<>();
        for (Cluster.Service s : cluster.services()) {
            pids.put(s.name, s.pid());
        }
        pids.put("postgres_primary", postmaster(hosts[0]));
        pids.put("postgres_standby", postmaster(hosts[1]));
        for (int node : kafka.nodeIds()) {
            kafka.process(node).ifPresent(p -> pids.put("kafka-" + node, p.pid()));
        }
        cluster.simulator().ifPresent(p -> pids.put("biller_sim", p.pid()));
        pids.put("load_generator", ProcessHandle.current().pid());
        return pids;
    }

    /** The postmaster of the server at {@code host:port}: the parent of a backend of it. */
    private static long postmaster(String hostPort) throws SQLException, IOException {
        try (Connection c = DriverManager.getConnection(
                        "jdbc:postgresql://" + hostPort + "/postgres", EmbeddedPostgres.USER, "");
                var s = c.createStatement();
                var rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return Long.parseLong(stat(rs.getLong(1))[1]);
        }
    }

    /** Fields of {@code /proc/<pid>/stat} after the command: [0] state, [1] ppid, [11] utime, [12] stime... */
    private static String[] stat(long pid) throws IOException {
        String line = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return line.substring(line.lastIndexOf(')') + 2).trim().split(" ");
    }

    static Map<String, Long> ticks(Map<String, Long> pids) {
        Map<String, Long> out = new LinkedHashMap<>();
        pids.forEach((name, pid) -> out.put(name, name.startsWith("postgres") ? treeTicks(pid) : ownTicks(pid)));
        return out;
    }

    private static long ownTicks(long pid) {
        try {
            String[] f = stat(pid);
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** A postmaster's own ticks, its collected children's, and its live children's. */
    private static long treeTicks(long pid) {
        try {
            String[] f = stat(pid);
            long total = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
            return total
                    + ProcessHandle.of(pid).stream()
                            .flatMap(ProcessHandle::children)
                            .mapToLong(child -> ownTicks(child.pid()))
                            .sum();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The machine's [busy, total] ticks from the first line of {@code /proc/stat}. */
    static long[] machineTicks() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return new long[] {total - idle, total};
    }
}
