package io.walletoutbox.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.embedded.TestPools;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * The ledger audit finds what the database's own constraint cannot stop: an inconsistency made by a superuser with
 * {@code session_replication_role = replica} (which skips triggers, as it skips foreign keys). Each test has a
 * database of its own, since it breaks the ledger on purpose.
 */
class LedgerAuditIT {

    @Test
    void aConsistentLedgerHasNoDifferences() {
        try (var db = new TestDatabase("ledger_audit_clean_it")) {
            Wallet w = db.walletWith(5_000);
            db.wallets.requestBillPayment(w.id(), new BillPaymentRequest("wifi", "A", 700), Optional.empty());
            LedgerAudit audit = db.wallets.audit();
            assertEquals(0, audit.differences(), audit.toString());
            assertEquals(3, audit.accounts()); // the wallet, funding, clearing
            assertEquals(2, audit.transfers());
        }
    }

    @Test
    void aBalanceChangedBehindTheConstraintsBackIsReported() {
        try (var db = new TestDatabase("ledger_audit_balance_it")) {
            Wallet w = db.walletWith(5_000);
            bypassingTriggers(db, "UPDATE account SET balance = balance + 100000 WHERE id = '" + w.id() + "'");
            LedgerAudit audit = db.wallets.audit();
            assertEquals(List.of(w.id()), audit.outOfBalance());
            assertEquals(100_000, audit.sumOfBalances());
            assertEquals(List.of(), audit.entriesDrift());
            assertEquals(2, audit.differences(), audit.toString());
        }
    }

    @Test
    void balanceAndEntriesForgedTogetherAreFoundByTheRecomputationAndTheClearingCheck() {
        try (var db = new TestDatabase("ledger_audit_forged_it")) {
            Wallet w = db.walletWith(5_000);
            BillPayment p =
                    db.wallets.requestBillPayment(w.id(), new BillPaymentRequest("wifi", "A", 700), Optional.empty());
            UUID clearing =
                    db.jdbi.withHandle(h -> h.createQuery("SELECT clearing_account FROM bill_payment WHERE id = ?")
                            .bind(0, p.id())
                            .mapTo(UUID.class)
                            .one());
            // a refund without its transfer, balances and running totals moved alike: the commit-time check would
            // see nothing wrong, the sums stay zero; only a recomputation from the transfers tells
            bypassingTriggers(
                    db,
                    "UPDATE account SET balance = balance + 700, entries = entries + 700 WHERE id = '" + w.id() + "';"
                            + "UPDATE account SET balance = balance - 700, entries = entries - 700 WHERE id = '"
                            + clearing + "'");
            LedgerAudit audit = db.wallets.audit();
            // PostgreSQL orders uuids by their unsigned bytes, as their text compares (UUID.compareTo is signed)
            List<UUID> both = w.id().toString().compareTo(clearing.toString()) < 0
                    ? List.of(w.id(), clearing)
                    : List.of(clearing, w.id());
            assertEquals(both, audit.outOfBalance());
            assertEquals(both, audit.entriesDrift());
            assertEquals(List.of(clearing), audit.clearingMismatch());
            assertEquals(0, audit.sumOfBalances());
            assertEquals(5, audit.differences(), audit.toString());
        }
    }

    @Test
    void theMigrationRefusesALedgerThatIsAlreadyInconsistent() {
        SharedInfrastructure infra = SharedInfrastructure.get();
        try (var dataSource = TestPools.pool(infra.newDatabase("ledger_audit_migration_it"), 2)
                .open()) {
            migrate(dataSource, "5");
            Jdbi jdbi = Jdbi.create(dataSource);
            UUID good = UUID.randomUUID();
            UUID bad = UUID.randomUUID();
            UUID funding = UUID.randomUUID();
            jdbi.useHandle(h -> {
                h.execute(
                        "INSERT INTO account (id, kind, bucket, currency, balance)"
                                + " VALUES (?, 'TOP_UP_FUNDING', 0, 'USD', -300)",
                        funding);
                h.execute(
                        "INSERT INTO account (id, kind, owner_id, currency, balance)"
                                + " VALUES (?, 'WALLET', 'alice', 'USD', 300)",
                        good);
                h.execute(
                        "INSERT INTO account (id, kind, owner_id, currency, balance)"
                                + " VALUES (?, 'WALLET', 'bob', 'USD', 42)",
                        bad);
                h.execute(
                        "INSERT INTO transfer (id, kind, reference, debit_account, credit_account, amount, currency)"
                                + " VALUES (gen_random_uuid(), 'TOP_UP', gen_random_uuid(), ?, ?, 300, 'USD')",
                        funding,
                        good);
            });
            FlywayException refused = assertThrows(FlywayException.class, () -> migrate(dataSource, "latest"));
            assertTrue(
                    refused.getMessage().contains("the ledger is already inconsistent")
                            && refused.getMessage().contains(bad.toString())
                            && !refused.getMessage().contains(good.toString()),
                    refused.getMessage());
            long columns = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM information_schema.columns"
                            + " WHERE table_name = 'account' AND column_name = 'entries'")
                    .mapTo(Long.class)
                    .one());
            assertEquals(0, columns, "the failed migration changed nothing");

            jdbi.useHandle(h -> h.execute("UPDATE account SET balance = 0 WHERE id = ?", bad));
            migrate(dataSource, "latest");
            assertEquals(
                    List.of(300L, 0L, -300L),
                    jdbi.withHandle(h -> h.createQuery(
                                    "SELECT entries FROM account WHERE id IN (?, ?, ?)" + " ORDER BY entries DESC")
                            .bind(0, good)
                            .bind(1, bad)
                            .bind(2, funding)
                            .mapTo(Long.class)
                            .list()));
        }
    }

    /** Runs {@code sql} in one transaction with triggers off, as only a superuser can (the test's user is one). */
    private static void bypassingTriggers(TestDatabase db, String sql) {
        db.jdbi.useTransaction(h -> {
            h.execute("SET LOCAL session_replication_role = replica");
            h.execute(sql);
        });
    }

    private static void migrate(HikariDataSource dataSource, String target) {
        // as WalletSchema.migrate, stopping at a version
        Flyway.configure(WalletSchema.class.getClassLoader())
                .dataSource(dataSource)
                .table("wallet_schema_history")
                .locations("classpath:io/walletoutbox/wallet/db")
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .target(target)
                .load()
                .migrate();
    }
}
