package io.walletoutbox.ops.chaos;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A {@link PostgresPairHost} child process (a PostgreSQL primary and its synchronous standby) and the commands the
 * chaos suite sends it. Each command waits for the host's answer line.
 */
final class PostgresPairProcess implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final int primaryPort;
    private final int standbyPort;
    private final String database;

    private PostgresPairProcess(
            Process process, BufferedReader out, int primaryPort, int standbyPort, String database) {
        this.process = process;
        this.out = out;
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.primaryPort = primaryPort;
        this.standbyPort = standbyPort;
        this.database = database;
    }

    /** Starts the pair in {@code directory} (fresh) with {@code database} on it; the host logs to {@code log}. */
    static PostgresPairProcess start(Path java, Path directory, Path log, String database) throws IOException {
        Process p = new ProcessBuilder(
                        java.toString(),
                        "-Xmx128m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        PostgresPairHost.class.getName(),
                        directory.toString())
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        var out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("READY ")) {
            // progress lines, if any
        }
        if (line == null) {
            p.destroyForcibly();
            throw new IllegalStateException("the PostgreSQL pair did not start; see " + log);
        }
        String[] ports = line.substring("READY ".length()).trim().split(" ");
        var pair = new PostgresPairProcess(p, out, Integer.parseInt(ports[0]), Integer.parseInt(ports[1]), database);
        pair.command("DATABASE " + database);
        return pair;
    }

    /** The database made at start. */
    String database() {
        return database;
    }

    /** {@code 127.0.0.1:<primary>,127.0.0.1:<standby>}, for a multi-host JDBC URL. */
    String hosts() {
        return "127.0.0.1:" + primaryPort + ",127.0.0.1:" + standbyPort;
    }

    /** Waits until the logical slot {@code slot} is synchronised to the standby (it then survives a promotion). */
    void awaitSynced(String slot) throws IOException {
        command("SYNCED " + slot);
    }

    /** kill -9 of the primary and its children. */
    void killPrimary() throws IOException {
        command("KILL_PRIMARY");
    }

    /** Resets the inherited synchronous settings on the standby and promotes it; returns once it takes writes. */
    void promote() throws IOException {
        command("PROMOTE");
    }

    private synchronized String command(String command) throws IOException {
        in.write(command + "\n");
        in.flush();
        String answer = out.readLine();
        if (answer == null || answer.startsWith("ERROR")) {
            throw new IllegalStateException(command + ": " + (answer == null ? "the pair's host died" : answer));
        }
        return answer;
    }

    /** Stops both servers (the host stops them when its input closes). */
    @Override
    public void close() {
        try {
            in.close();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
