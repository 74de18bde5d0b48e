package io.walletoutbox.embedded;

import java.nio.file.Path;

/** A process that starts a broker, prints its pid, and waits to be killed; see {@link EmbeddedInfrastructureIT}. */
public final class BrokerHolder {
    private BrokerHolder() {}

    public static void main(String[] args) throws InterruptedException {
        EmbeddedKafka kafka = EmbeddedKafka.start(Path.of(args[0]), 0);
        System.out.println("BROKER_PID=" + kafka.process().pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
