package io.walletoutbox.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.embedded.TestPools;
import java.time.LocalDate;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * Upgrading a database that already has today's payments: the migration that adds the daily counter fills it from
 * them, so the limit holds from the first payment after the upgrade.
 */
class SpendMigrationIT {

    @Test
    void theCounterStartsWithTodaysPendingAndSucceededPayments() {
        SharedInfrastructure infra = SharedInfrastructure.get();
        try (var dataSource =
                TestPools.pool(infra.newDatabase("spend_migration_it"), 2).open()) {
            migrate(dataSource, "2");
            Jdbi jdbi = Jdbi.create(dataSource);
            UUID wallet = UUID.randomUUID();
            UUID other = UUID.randomUUID();
            UUID clearing = UUID.randomUUID();
            LocalDate today = utcToday(jdbi);
            jdbi.useHandle(h -> {
                h.execute(
                        "INSERT INTO account (id, kind, owner_id, currency, balance) VALUES (?, 'WALLET', 'alice', 'USD', 0)",
                        wallet);
                h.execute(
                        "INSERT INTO account (id, kind, owner_id, currency, balance) VALUES (?, 'WALLET', 'bob', 'USD', 0)",
                        other);
                h.execute(
                        "INSERT INTO account (id, kind, bucket, currency, balance) VALUES (?, 'BILLER_CLEARING', 0, 'USD', 0)",
                        clearing);
                payment(h, wallet, clearing, 100, "PENDING", "0 hours");
                payment(h, wallet, clearing, 20, "SUCCEEDED", "0 hours");
                payment(h, wallet, clearing, 3000, "FAILED", "0 hours");
                payment(h, wallet, clearing, 5000, "PENDING", "1 day"); // yesterday's (UTC)
                payment(h, other, clearing, 5000, "SUCCEEDED", "1 day");
            });

            migrate(dataSource, "latest");

            assumeTrue(today.equals(utcToday(jdbi)), "the UTC day changed during the test");
            assertEquals(Map.of("day", today, "amount", 120L), counter(jdbi, wallet));
            long otherCounter = jdbi.withHandle(
                    h -> h.createQuery("SELECT spend_amount FROM account WHERE id = ? AND spend_day IS NULL")
                            .bind(0, other)
                            .mapTo(Long.class)
                            .one());
            assertEquals(0, otherCounter);
        }
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

    /** A payment made {@code ago} before one minute past the start of the current UTC day. */
    private static void payment(
            org.jdbi.v3.core.Handle h, UUID wallet, UUID clearing, long amount, String status, String ago) {
        h.createUpdate("""
                        INSERT INTO bill_payment (id, wallet_id, clearing_account, biller, customer_ref, amount,
                                                  currency, status, provider_reference, failure_reason, completed_at,
                                                  created_at)
                        VALUES (gen_random_uuid(), :wallet, :clearing, 'wifi', 'A', :amount, 'USD', :status,
                                :reference, :reason, CASE WHEN :status = 'PENDING' THEN NULL ELSE now() END,
                                (date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
                                    + interval '1 minute' - CAST(:ago AS interval))
                        """)
                .bind("wallet", wallet)
                .bind("clearing", clearing)
                .bind("amount", amount)
                .bind("status", status)
                .bind("reference", status.equals("SUCCEEDED") ? "ref" : null)
                .bind("reason", status.equals("FAILED") ? "declined" : null)
                .bind("ago", ago)
                .execute();
    }

    private static LocalDate utcToday(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("SELECT (now() AT TIME ZONE 'UTC')::date")
                .mapTo(LocalDate.class)
                .one());
    }

    private static Map<String, Object> counter(Jdbi jdbi, UUID wallet) {
        return jdbi.withHandle(h -> h.createQuery("SELECT spend_day, spend_amount FROM account WHERE id = ?")
                .bind(0, wallet)
                .map((rs, ctx) -> Map.<String, Object>of(
                        "day", rs.getObject("spend_day", LocalDate.class), "amount", rs.getLong("spend_amount")))
                .one());
    }
}
