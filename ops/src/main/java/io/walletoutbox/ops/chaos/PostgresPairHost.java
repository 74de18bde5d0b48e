package io.walletoutbox.ops.chaos;

import io.walletoutbox.embedded.EmbeddedPostgresPair;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Runs an {@link EmbeddedPostgresPair} (a primary and its synchronous standby) from a JVM of its own, driven by one
 * command per line on standard input, so that the chaos suite, which runs the service as separate processes, can
 * fail the primary over while they run. Prints {@code READY <primaryPort> <standbyPort>} once the standby streams
 * synchronously, then answers each command with one line:
 *
 * <ul>
 *   <li>{@code DATABASE <name>} creates the database on the primary: {@code DATABASE <name>};
 *   <li>{@code SYNCED <slot>} waits (up to 2 minutes) until the logical slot is synchronised to the standby: {@code
 *       SYNCED <slot>};
 *   <li>{@code KILL_PRIMARY} kills the primary with -9 (it and its children): {@code KILLED};
 *   <li>{@code PROMOTE} resets {@code synchronous_standby_names}/{@code synchronized_standby_slots} on the standby and
 *       promotes it: {@code PROMOTED <port>};
 * </ul>
 *
 * or {@code ERROR <message>} when a command fails. Both servers stop when standard input closes.
 *
 * <p>Usage: {@code PostgresPairHost <directory>} (fresh; the servers' data go to {@code primary/} and {@code
 * standby/} under it).
 */
public final class PostgresPairHost {
    private PostgresPairHost() {}

    public static void main(String[] args) throws Exception {
        try (EmbeddedPostgresPair pair = EmbeddedPostgresPair.start(Path.of(args[0]))) {
            System.out.println(
                    "READY " + pair.primary().port() + " " + pair.standby().port());
            System.out.flush();
            var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                String[] command = line.strip().split("\\s+", 2);
                try {
                    System.out.println(
                            switch (command[0]) {
                                case "DATABASE" -> {
                                    pair.createDatabaseIfAbsent(command[1]);
                                    yield "DATABASE " + command[1];
                                }
                                case "SYNCED" -> {
                                    pair.awaitSlotSynchronised(command[1], Duration.ofMinutes(2));
                                    yield "SYNCED " + command[1];
                                }
                                case "KILL_PRIMARY" -> {
                                    pair.killPrimary();
                                    yield "KILLED";
                                }
                                case "PROMOTE" -> {
                                    pair.promoteStandby();
                                    yield "PROMOTED " + pair.primary().port();
                                }
                                default -> "ERROR unknown command " + command[0];
                            });
                } catch (RuntimeException | AssertionError e) {
                    System.out.println("ERROR " + String.valueOf(e.getMessage()).replace('\n', ' '));
                }
                System.out.flush();
            }
        }
    }
}
