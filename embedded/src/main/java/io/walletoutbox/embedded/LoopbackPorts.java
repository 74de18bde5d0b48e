package io.walletoutbox.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ports on the loopback address for the processes this JVM starts (brokers, services, simulators): never one the
 * kernel hands out to outgoing connections. A port found free by binding port 0 lies in the ephemeral range, so any
 * client socket (a service's own connections to PostgreSQL and Kafka) can take it before the process that was given it
 * binds it, which failed a start with "Address already in use". These come from below Linux's default ephemeral range
 * (32768–60999), each handed out once per JVM (until the 12,000 wrap), from a random start so that two JVMs on one
 * machine rarely meet; one something already listens on is passed over.
 */
public final class LoopbackPorts {
    private static final int FIRST_PORT = 20_000;
    private static final int PORTS = 12_000;

    private static final AtomicInteger nextPort =
            new AtomicInteger(ThreadLocalRandom.current().nextInt(PORTS));

    private LoopbackPorts() {}

    /** A port nothing listens on now, in 20000..31999. */
    public static int free() {
        for (int tried = 0; tried < PORTS; tried++) {
            int port = FIRST_PORT + Math.floorMod(nextPort.getAndIncrement(), PORTS);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException busy) {
                // in use: try the next one
            }
        }
        throw new UncheckedIOException(
                new IOException("no free port in " + FIRST_PORT + ".." + (FIRST_PORT + PORTS - 1)));
    }
}
