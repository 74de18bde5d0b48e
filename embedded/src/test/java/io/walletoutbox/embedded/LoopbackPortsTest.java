package io.walletoutbox.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Ports for the processes a JVM starts (brokers, the chaos suite's services): never in the kernel's ephemeral range, never the same twice, never one in use. */
class LoopbackPortsTest {
    @Test
    void portsAreBelowTheEphemeralRangeDistinctAndBindable() throws IOException {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            int port = LoopbackPorts.free();
            assertTrue(port >= 20_000 && port < 32_000, "port " + port + " is outside 20000..31999");
            assertTrue(seen.add(port), "port " + port + " handed out twice");
        }
        int port = LoopbackPorts.free();
        try (ServerSocket taken = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(port, taken.getLocalPort());
        }
    }

    @Test
    void aPortInUseIsPassedOver() throws IOException {
        int next = LoopbackPorts.free() + 1;
        try (ServerSocket busy = new ServerSocket(next, 1, InetAddress.getLoopbackAddress())) {
            int port = LoopbackPorts.free();
            assertTrue(port != busy.getLocalPort(), "handed out a port in use: " + port);
        }
    }
}
