package io.walletoutbox.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxException;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract of the wallet's two money movements: every entry point that requests a bill payment (one round trip
 * with an idempotency key, a transaction of its own, the caller's transaction) and every one that records an outcome
 * (one round trip with an inbox entry, the caller's transaction) has the same ledger effects: the same payment row,
 * transfers, balances and entries, daily-limit counter, outbox events and payloads; and the same refusals, which
 * write nothing.
 */
class MoneyMovementContractIT {
    private static final BillPaymentRequest WIFI = new BillPaymentRequest("wifi", "ACC-1001", 100);
    private static final Optional<String> TRACEPARENT =
            Optional.of("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    private static TestDatabase db;

    @BeforeAll
    static void start() {
        db = new TestDatabase("money_movement_contract_it");
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    /** A way to request a bill payment: the payment made, or the exception of its refusal. */
    private interface RequestPath {
        BillPayment pay(Wallets wallets, Wallet wallet, BillPaymentRequest request);
    }

    /** A way to record an outcome: true when it changed the payment. */
    private interface OutcomePath {
        boolean record(Wallets wallets, BillPayment payment, PaymentOutcome outcome);
    }

    private static final Map<String, RequestPath> REQUESTS = Map.of(
            "one round trip with a key",
            (wallets, w, request) -> {
                var result = wallets.requestBillPayment(
                        new IdempotencyKeys.Request(
                                "scope/" + w.id(), UUID.randomUUID().toString(), "f"),
                        w.id(),
                        w.ownerId(),
                        request,
                        TRACEPARENT,
                        response());
                assertInstanceOf(IdempotencyKeys.Executed.class, result);
                UUID made = db.jdbi.withHandle(h -> h.createQuery(
                                "SELECT id FROM bill_payment WHERE wallet_id = :w ORDER BY created_at DESC LIMIT 1")
                        .bind("w", w.id())
                        .mapTo(UUID.class)
                        .one());
                return wallets.findPayment(made).orElseThrow();
            },
            "a transaction of its own",
            (wallets, w, request) -> wallets.requestBillPayment(w.id(), request, TRACEPARENT),
            "the caller's transaction",
            (wallets, w, request) -> db.jdbi.inTransaction(
                    h -> wallets.requestBillPayment(h, w.id(), w.ownerId(), request, TRACEPARENT)));

    private static final Map<String, OutcomePath> OUTCOMES = Map.of(
            "one round trip with an inbox entry",
            (wallets, p, outcome) ->
                    wallets.recordOutcome(new InboxEntry("contract", UUID.randomUUID()), p.id(), p.walletId(), outcome)
                            == OutcomeRecorded.RECORDED,
            "the caller's transaction",
            (wallets, p, outcome) -> db.jdbi.inTransaction(h -> wallets.recordOutcome(h, p.id(), outcome)));

    private static Function<BillPayment, StoredResponse> response() {
        return p -> new StoredResponse(
                202,
                "application/json",
                ("{\"id\":\"" + p.id() + "\",\"currency\":\"" + p.currency() + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyRequestPathAndEveryOutcomePathHaveTheSameLedgerEffects() {
        Map<String, List<String>> requested = new java.util.TreeMap<>();
        Map<String, List<String>> settled = new java.util.TreeMap<>();
        for (PaymentOutcome outcome :
                List.of(new PaymentOutcome.Paid("ref \"7\" ü"), new PaymentOutcome.Declined("no"))) {
            String kind = outcome.getClass().getSimpleName();
            for (var request : REQUESTS.entrySet()) {
                for (var record : OUTCOMES.entrySet()) {
                    Wallet w = db.walletWith(1000);
                    Map<String, Long> before = systemAccounts();
                    BillPayment p = request.getValue().pay(db.wallets, w, WIFI);
                    assertEquals(BillPayment.Status.PENDING, p.status());
                    assertEquals("USD", p.currency());
                    assertEquals(db.wallets.findPayment(p.id()).orElseThrow(), p, request.getKey());
                    requested.put(request.getKey() + " / " + record.getKey(), effects(p, before));
                    assertTrue(record.getValue().record(db.wallets, p, outcome), record.getKey());
                    settled.put(kind + ": " + request.getKey() + " / " + record.getKey(), effects(p, before));
                    // a second outcome changes nothing, on either path
                    String after = db.everyRow();
                    for (var again : OUTCOMES.values()) {
                        assertFalse(again.record(db.wallets, p, new PaymentOutcome.Declined("late")));
                    }
                    assertEquals(
                            after.lines().filter(l -> !l.startsWith("inbox=")).toList(),
                            db.everyRow()
                                    .lines()
                                    .filter(l -> !l.startsWith("inbox="))
                                    .toList());
                }
            }
        }
        assertAllEqual(requested);
        // and what they all wrote is the payment, then its settlement or its refund
        List<String> made = requested.values().iterator().next();
        assertTrue(made.contains("wifi|ACC-1001|100|USD|PENDING|-|-|false"), made.toString());
        assertTrue(made.contains("BILL_PAYMENT|WALLET|BILLER_CLEARING|100|USD|true|true"), made.toString());
        assertTrue(made.contains("wallet|900|900|100|true"), made.toString());
        assertTrue(made.contains("system|BILLER_CLEARING.balance|100"), made.toString());
        assertTrue(made.stream().anyMatch(r -> r.startsWith("BillPaymentRequested|") && r.contains("traceparent")));
        assertTrue(settled.get("Paid: the caller's transaction / the caller's transaction")
                .contains("SETTLEMENT|BILLER_CLEARING|BILLER_SETTLEMENT|100|USD|true|true"));
        assertTrue(settled.get("Declined: the caller's transaction / the caller's transaction")
                .contains("REFUND|BILLER_CLEARING|WALLET|100|USD|true|true"));
        assertTrue(settled.get("Declined: the caller's transaction / the caller's transaction")
                .contains("wallet|1000|1000|0|true"));
        assertAllEqual(settled.entrySet().stream()
                .filter(e -> e.getKey().startsWith("Paid"))
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        assertAllEqual(settled.entrySet().stream()
                .filter(e -> e.getKey().startsWith("Declined"))
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        assertTrue(db.wallets.audit().consistent(), db.wallets.audit().toString());
    }

    @Test
    void everyRequestPathRefusesAlikeAndWritesNothing() {
        Wallets limited = Wallets.create(db.jdbi, db.outbox, db.config.withDailyPaymentLimit(150));
        Wallet poor = db.walletWith(50);
        Wallet rich = db.walletWith(1000);
        Wallet spent = db.walletWith(1000);
        limited.requestBillPayment(spent.id(), WIFI, Optional.empty());
        Wallet foreign = new Wallet(rich.id(), "someone-else", "USD", 0, rich.createdAt());
        Wallet missing = new Wallet(UUID.randomUUID(), "nobody", "USD", 0, rich.createdAt());
        for (var request : REQUESTS.entrySet()) {
            String before = db.everyRow();
            assertThrows(
                    WalletException.InsufficientFunds.class,
                    () -> request.getValue().pay(limited, poor, WIFI),
                    request.getKey());
            assertThrows(
                    WalletException.DailyLimitExceeded.class,
                    () -> request.getValue().pay(limited, spent, WIFI),
                    request.getKey());
            assertThrows(
                    WalletException.WalletNotFound.class,
                    () -> request.getValue().pay(limited, missing, WIFI),
                    request.getKey());
            if (!request.getKey().equals("a transaction of its own")) { // the one path without an owner
                assertThrows(
                        WalletException.WalletNotFound.class,
                        () -> request.getValue().pay(limited, foreign, WIFI),
                        request.getKey());
            }
            assertEquals(before, db.everyRow(), request.getKey());
        }
    }

    @Test
    void everyPathRefusesWhileTheOutboxRefusesWritesAndWritesNothing() {
        Wallets refusing = Wallets.create(
                db.jdbi,
                OutboxWriter.create(OutboxConfig.DEFAULTS, OutboxMode.TABLE, () -> {}, () -> Optional.of("closed")),
                db.config);
        Wallet w = db.walletWith(1000);
        Wallet poor = db.walletWith(50);
        BillPayment pending = db.wallets.requestBillPayment(w.id(), WIFI, Optional.empty());
        String before = db.everyRow();
        for (var request : REQUESTS.entrySet()) {
            assertThrows(
                    OutboxException.WritesRefusedException.class,
                    () -> request.getValue().pay(refusing, w, WIFI),
                    request.getKey());
            // a refusal of the ledger's own is still answered as such
            assertThrows(
                    WalletException.InsufficientFunds.class,
                    () -> request.getValue().pay(refusing, poor, WIFI),
                    request.getKey());
        }
        for (var record : OUTCOMES.entrySet()) {
            assertThrows(
                    OutboxException.WritesRefusedException.class,
                    () -> record.getValue().record(refusing, pending, new PaymentOutcome.Paid("r")),
                    record.getKey());
        }
        assertEquals(before, db.everyRow());
    }

    @Test
    void everyOutcomePathRefusesAnUnknownPaymentAndWritesNothing() {
        Wallet w = db.walletWith(1000);
        BillPayment unknown = new BillPayment(
                UUID.randomUUID(),
                w.id(),
                "wifi",
                "ACC-1001",
                100,
                "USD",
                BillPayment.Status.PENDING,
                Optional.empty(),
                Optional.empty(),
                w.createdAt(),
                Optional.empty());
        String before = db.everyRow();
        for (var record : OUTCOMES.entrySet()) {
            assertThrows(
                    WalletException.PaymentNotFound.class,
                    () -> record.getValue().record(db.wallets, unknown, new PaymentOutcome.Paid("r")),
                    record.getKey());
        }
        assertEquals(before, db.everyRow());
    }

    private static void assertAllEqual(Map<String, List<String>> byPath) {
        assertTrue(byPath.size() > 1, byPath.toString());
        var first = byPath.entrySet().iterator().next();
        for (var other : byPath.entrySet()) {
            assertEquals(first.getValue(), other.getValue(), first.getKey() + " against " + other.getKey());
        }
    }

    /** The system accounts' balances and entries, summed by kind. */
    private static Map<String, Long> systemAccounts() {
        return db.jdbi.withHandle(h -> {
            var sums = new java.util.TreeMap<String, Long>();
            h.createQuery("SELECT kind, sum(balance)::bigint AS b, sum(entries)::bigint AS e FROM account"
                            + " WHERE kind <> 'WALLET' GROUP BY kind")
                    .map((rs, ctx) -> {
                        sums.put(rs.getString("kind") + ".balance", rs.getLong("b"));
                        sums.put(rs.getString("kind") + ".entries", rs.getLong("e"));
                        return null;
                    })
                    .list();
            return sums;
        });
    }

    /** Every row the payment and its outcome wrote, with its own ids replaced by placeholders and times compared. */
    private static List<String> effects(BillPayment p, Map<String, Long> systemBefore) {
        return db.jdbi.withHandle(h -> {
            var rows = new ArrayList<String>();
            rows.addAll(list(
                    h,
                    "SELECT biller || '|' || customer_ref || '|' || amount || '|' || currency || '|' || status || '|'"
                            + " || coalesce(provider_reference, '-') || '|' || coalesce(failure_reason, '-') || '|'"
                            + " || (completed_at IS NOT NULL)"
                            + " FROM bill_payment WHERE wallet_id = ?",
                    p.walletId()));
            rows.addAll(list(
                    h,
                    "SELECT t.kind || '|' || da.kind || '|' || ca.kind || '|' || t.amount || '|' || t.currency"
                            + " || '|' || (p.clearing_account IN (t.debit_account, t.credit_account))"
                            + " || '|' || (t.created_at = CASE t.kind WHEN 'BILL_PAYMENT' THEN p.created_at"
                            + " ELSE p.completed_at END)"
                            + " FROM transfer t JOIN bill_payment p ON p.id = t.reference"
                            + " JOIN account da ON da.id = t.debit_account JOIN account ca ON ca.id = t.credit_account"
                            + " WHERE p.wallet_id = ? ORDER BY t.seq",
                    p.walletId()));
            rows.addAll(list(
                    h,
                    "SELECT 'wallet|' || balance || '|' || entries || '|' || spend_amount || '|'"
                            + " || (spend_day = (now() AT TIME ZONE 'UTC')::date) FROM account WHERE id = ?",
                    p.walletId()));
            Map<String, Long> systemAfter = systemAccounts();
            systemAfter.forEach((k, v) -> rows.add("system|" + k + "|" + (v - systemBefore.getOrDefault(k, 0L))));
            rows.addAll(list(
                    h,
                    "SELECT o.event_type || '|' || o.topic || '|' || o.aggregate_type || '|' || o.aggregate_id"
                            + " || '|' || (o.shard = "
                            + OutboxConfig.DEFAULTS.shardOf(p.walletId().toString()) + ")"
                            + " || '|' || o.payload || '|' || o.headers::text || '|'"
                            + " || (o.created_at = CASE o.event_type WHEN 'BillPaymentRequested' THEN p.created_at"
                            + " ELSE p.completed_at END)"
                            + " FROM outbox_event o JOIN bill_payment p ON p.wallet_id::text = o.aggregate_id"
                            + " WHERE o.aggregate_id = ? ORDER BY o.id",
                    p.walletId().toString()));
            return rows.stream()
                    .map(r -> r.replace(p.id().toString(), "<payment>")
                            .replace(p.walletId().toString(), "<wallet>"))
                    .toList();
        });
    }

    private static List<String> list(Handle h, String sql, Object arg) {
        return h.createQuery(sql).bind(0, arg).mapTo(String.class).list();
    }
}
