package io.walletoutbox.ops.chaos;

import java.util.Optional;

/**
 * PostgreSQL failover under load: the scenario's database runs on a primary with a synchronous standby ({@link
 * PostgresPairProcess}), every service connects with a multi-host URL ({@code targetServerType=primary}), and while
 * payments flow the primary is killed with -9 and the standby promoted. No service is restarted; the suite's checks
 * then prove every acknowledged payment survived, money is conserved and every payment ended terminal. In CDC mode
 * the relay's failover slot is synchronised to the standby before the kill, and the relay resumes on the new primary.
 */
final class FailoverScenarios {
    private FailoverScenarios() {}

    /** The setup of both scenarios: the database on a pair instead of the shared server. */
    static void setup(ScenarioRun r) throws Exception {
        r.cluster.startPostgresPair();
    }

    static Optional<String> polling(ScenarioRun r) throws Exception {
        return failover(r, false);
    }

    static Optional<String> cdc(ScenarioRun r) throws Exception {
        return failover(r, true);
    }

    private static Optional<String> failover(ScenarioRun r, boolean cdc) throws Exception {
        PostgresPairProcess pair = r.cluster.postgresPair();
        if (cdc) {
            CdcScenarios.switchToCdc(r);
        }
        r.startLoad();
        if (cdc) {
            // A slot the standby has not persisted yet would be dropped at promotion (docs/operations.md). The load
            // makes the relay confirm positions, which is what lets the standby persist its copy (idle it once took
            // a minute here, under load seconds).
            pair.awaitSynced("walletoutbox_" + pair.database());
            r.fault("the CDC slot is synchronised to the standby");
        }
        r.sleepUntil(r.between(0.2, 0.5));
        pair.killPrimary();
        r.fault("kill -9 PostgreSQL primary");
        Cluster.sleep(200 + r.rnd.nextInt(1500));
        pair.promote();
        r.fault("standby promoted (synchronous_standby_names reset)");
        r.awaitLoad();
        return Optional.empty();
    }
}
