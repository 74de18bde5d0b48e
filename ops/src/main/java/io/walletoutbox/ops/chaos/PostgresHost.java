package io.walletoutbox.ops.chaos;

import io.walletoutbox.embedded.EmbeddedPostgres;
import java.nio.file.Path;

/**
 * Runs the embedded PostgreSQL from a JVM of its own, so that the chaos suite can crash the server and start it
 * again on the same directory and port (the embedded library locks the directory for the lifetime of the JVM
 * that started it). Prints {@code READY <port>}, then stops the server when its standard input closes.
 *
 * <p>Usage: {@code PostgresHost <dataDirectory> <port>} (0 picks a free port).
 */
public final class PostgresHost {
    private PostgresHost() {}

    public static void main(String[] args) throws Exception {
        EmbeddedPostgres pg = EmbeddedPostgres.start(Path.of(args[0]), Integer.parseInt(args[1]));
        System.out.println("READY " + pg.port());
        System.out.flush();
        while (System.in.read() != -1) {
            // wait for the parent to close our input (or to die)
        }
        pg.close();
    }
}
