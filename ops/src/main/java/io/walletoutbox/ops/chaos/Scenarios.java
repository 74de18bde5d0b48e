package io.walletoutbox.ops.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The scenario catalogue: every scenario by name, in the order the suite runs them, each pointing at its body in the
 * file of its failure family. Each declares its service processes, the settings they get, and a body that starts the
 * load and injects its faults on a schedule drawn from the run's seeded random; the suite then restores everything,
 * waits for quiescence and checks I1–I7 (and the scenario's own checks). A body may return a reason when the scenario
 * cannot run in this build (it is then reported SKIPPED, not passed); none does today: a CDC relay that does not
 * become ready fails its scenario.
 *
 * <p>The families: {@link ServiceProcessScenarios} (the service's own processes killed or frozen), {@link
 * LateCommitScenario}, {@link InfrastructureScenarios} (the broker and PostgreSQL crashed or frozen), {@link
 * BillerScenarios} and {@link TwoBillersScenario} (billers failing), {@link InjectedRecordScenarios} (records on the
 * topic that no outbox wrote), {@link CdcScenarios}, {@link FailoverScenarios}, {@link KafkaClusterScenarios} and
 * {@link MoneyPathScenarios}.
 */
final class Scenarios {
    private Scenarios() {}

    /**
     * A scenario: its name, extra services beyond the standard set, its setup (settings of every service, billers,
     * before any service starts) and its body.
     */
    record Scenario(String name, List<String> extraConsumers, Setup setup, Body body) {
        Scenario(String name, List<String> extraConsumers, Body body) {
            this(name, extraConsumers, r -> {}, body);
        }
    }

    @FunctionalInterface
    interface Setup {
        void run(ScenarioRun r) throws Exception;
    }

    @FunctionalInterface
    interface Body {
        Optional<String> run(ScenarioRun r) throws Exception;
    }

    static List<Scenario> all() {
        List<Scenario> all = new ArrayList<>(singleBroker());
        all.addAll(KafkaClusterScenarios.all());
        all.addAll(MoneyPathScenarios.all());
        return List.copyOf(all);
    }

    private static List<Scenario> singleBroker() {
        return List.of(
                new Scenario("api-kill9", List.of(), ServiceProcessScenarios::apiKill),
                new Scenario("relay-kill9-after-ack", List.of(), ServiceProcessScenarios::relayKillAfterAck),
                new Scenario("relay-sigstop-order", List.of(), ServiceProcessScenarios::relaySigstop),
                new Scenario("outbox-late-commit", List.of(), LateCommitScenario::run),
                new Scenario("broker-sigstop", List.of(), InfrastructureScenarios::brokerSigstop),
                new Scenario("broker-kill9-restart", List.of(), InfrastructureScenarios::brokerKill),
                new Scenario("postgres-immediate-restart", List.of(), InfrastructureScenarios::postgresRestart),
                new Scenario(
                        "consumer-kill9-after-charge",
                        List.of("consumer-b"),
                        ServiceProcessScenarios::consumerKillAfterCharge),
                new Scenario("consumer-churn", List.of(), ServiceProcessScenarios::consumerChurn),
                new Scenario("biller-faults", List.of(), BillerScenarios::billerFaults),
                new Scenario("poison-record", List.of(), InjectedRecordScenarios::poison),
                new Scenario("cdc-relay-kill9", List.of(), CdcScenarios::relayKill),
                new Scenario("cdc-broker-sigstop", List.of(), CdcScenarios::brokerSigstop),
                new Scenario(
                        "biller-outage-past-horizon",
                        List.of(),
                        BillerScenarios::outagePastHorizonSetup,
                        BillerScenarios::outagePastHorizon),
                new Scenario("foreign-and-malformed-records", List.of(), InjectedRecordScenarios::foreignAndMalformed),
                new Scenario(
                        "biller-unauthorized-for-a-while",
                        List.of(),
                        BillerScenarios::unauthorizedSetup,
                        BillerScenarios::unauthorized),
                new Scenario("two-billers-one-down", List.of(), TwoBillersScenario::setup, TwoBillersScenario::run),
                new Scenario("postgres-failover", List.of(), FailoverScenarios::setup, FailoverScenarios::polling),
                new Scenario("cdc-postgres-failover", List.of(), FailoverScenarios::setup, FailoverScenarios::cdc));
    }
}
