package io.walletoutbox.ops.chaos;

import java.util.Optional;

/**
 * The scenarios that crash or freeze the infrastructure under the single-broker deployment: the Kafka broker frozen
 * (SIGSTOP) or killed -9 and restarted on its directory and port, and PostgreSQL shut down immediately (crash
 * recovery on restart). The CDC relay meets the frozen broker in {@link CdcScenarios#brokerSigstop}; a PostgreSQL
 * failover to a standby is {@link FailoverScenarios}.
 */
final class InfrastructureScenarios {
    private InfrastructureScenarios() {}

    static Optional<String> brokerSigstop(ScenarioRun r) throws Exception {
        long[] pid = new long[1];
        r.outage(
                0.1,
                0.3,
                () -> {
                    pid[0] = r.cluster.broker().pid();
                    Cluster.signal(pid[0], "STOP");
                    return "SIGSTOP broker";
                },
                () -> r.load.duration().toMillis() >= 30_000 ? 30_000 : 8_000 + r.rnd.nextInt(4000),
                held -> {
                    Cluster.signal(pid[0], "CONT");
                    return "SIGCONT broker after " + held + "ms";
                });
        return Optional.empty();
    }

    static Optional<String> brokerKill(ScenarioRun r) throws Exception {
        r.outage(
                0.2,
                0.5,
                () -> {
                    r.cluster.killBroker();
                    return "kill -9 broker";
                },
                () -> 1000 + r.rnd.nextInt(2000),
                held -> {
                    r.cluster.restartBroker();
                    return "broker restarted";
                });
        return Optional.empty();
    }

    static Optional<String> postgresRestart(ScenarioRun r) throws Exception {
        r.outage(
                0.2,
                0.5,
                () -> {
                    r.cluster.postgresImmediateStop();
                    return "PostgreSQL immediate shutdown (SIGQUIT postmaster)";
                },
                () -> 500 + r.rnd.nextInt(1500),
                held -> {
                    r.cluster.restartPostgres();
                    return "PostgreSQL restarted (crash recovery)";
                });
        return Optional.empty();
    }
}
