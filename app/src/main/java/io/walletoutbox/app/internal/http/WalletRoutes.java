package io.walletoutbox.app.internal.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.walletoutbox.app.internal.auth.Access;
import io.walletoutbox.app.internal.auth.Authentication;
import io.walletoutbox.app.internal.auth.Principal;
import io.walletoutbox.wallet.BillPayment;
import io.walletoutbox.wallet.BillPaymentRequest;
import io.walletoutbox.wallet.IdempotencyKeys;
import io.walletoutbox.wallet.Money;
import io.walletoutbox.wallet.TopUp;
import io.walletoutbox.wallet.TransactionPage;
import io.walletoutbox.wallet.Wallet;
import io.walletoutbox.wallet.WalletException;
import io.walletoutbox.wallet.Wallets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The wallet API of DESIGN.md: wallets, top-ups, bill payments and the ledger listing. Every route needs a token
 * (see {@link io.walletoutbox.app.internal.auth.Authentication}); a wallet and its payments and ledger are visible
 * only to its owner (the {@code sub} that created it) — to anyone else they answer 404, exactly as if they did not
 * exist. Top-ups need scope {@code wallet:fund}. Idempotency keys are scoped to the principal and the wallet.
 */
public final class WalletRoutes {
    private static final Logger log = LoggerFactory.getLogger(WalletRoutes.class);

    private final Wallets wallets;
    private final IdempotentExecution idempotency;
    private final java.util.Set<String> billers;

    /** @param billers the ids of the billers a payment may name; any other answers 422 {@code unknown-biller} */
    public WalletRoutes(Wallets wallets, IdempotentExecution idempotency, java.util.Set<String> billers) {
        this.wallets = Objects.requireNonNull(wallets, "wallets");
        this.idempotency = Objects.requireNonNull(idempotency, "idempotency");
        this.billers = java.util.Set.copyOf(billers);
    }

    /** Request body of {@code POST /wallets}. */
    record CreateWallet(String ownerId, String currency) {}

    /** Request body of {@code POST /wallets/{id}/top-ups}. */
    record TopUpBody(Long amount) {}

    /** Request body of {@code POST /wallets/{id}/bill-payments}. */
    record BillPaymentBody(String biller, String customerRef, Long amount) {}

    /** Adds the routes. */
    public void register(JavalinConfig config) {
        config.routes.post("/wallets", this::createWallet, Access.USER);
        config.routes.get("/wallets/{walletId}", this::getWallet, Access.USER);
        config.routes.post("/wallets/{walletId}/top-ups", this::topUp, Access.FUND);
        config.routes.post("/wallets/{walletId}/bill-payments", this::payBill, Access.USER);
        config.routes.get("/wallets/{walletId}/transactions", this::transactions, Access.USER);
        config.routes.get("/bill-payments/{paymentId}", this::getPayment, Access.USER);
    }

    /** The wallet if the caller owns it; otherwise 404, the same answer as for a wallet that does not exist. */
    private Wallet owned(Context ctx, UUID walletId) {
        return wallets.find(walletId, Authentication.principal(ctx).subject())
                .orElseThrow(() -> new WalletException.WalletNotFound(walletId));
    }

    /**
     * The scope of an Idempotency-Key: the wallet and (a digest of) the principal, so one caller's key can never
     * replay another's answer.
     */
    static String keyScope(Principal principal, UUID walletId) {
        return walletId + "/" + IdempotentExecution.digest(principal.subject()).substring(0, 32);
    }

    private void createWallet(Context ctx) {
        Principal principal = Authentication.principal(ctx);
        CreateWallet body = Json.read(Requests.jsonBody(ctx), CreateWallet.class);
        if (body.ownerId() != null && !body.ownerId().equals(principal.subject())) {
            throw ApiException.forbidden(
                    "a wallet is opened for the caller: ownerId must be omitted or equal the token's sub");
        }
        String ownerId = Money.requireOwnerId(principal.subject());
        String currency = Money.requireCurrency(required(body.currency(), "currency"));
        Wallet wallet = wallets.create(ownerId, currency);
        ctx.header("Location", "/wallets/" + wallet.id());
        Responses.json(ctx, 201, walletJson(wallet));
    }

    private void getWallet(Context ctx) {
        Responses.json(ctx, 200, walletJson(owned(ctx, Requests.uuid(ctx, "walletId"))));
    }

    private void topUp(Context ctx) {
        UUID walletId = Requests.uuid(ctx, "walletId");
        String key = Requests.idempotencyKey(ctx);
        byte[] raw = Requests.jsonBody(ctx);
        TopUpBody body = Json.read(raw, TopUpBody.class);
        long amount = Money.requireAmount(required(body.amount(), "amount"));
        String scope = keyScope(Authentication.principal(ctx), walletId);
        idempotency.run(ctx, scope, key, Json.write(body), handle -> {
            TopUp topUp = wallets.topUp(handle, walletId, amount);
            return Responses.stored(201, topUpJson(topUp));
        });
    }

    private void payBill(Context ctx) {
        UUID walletId = Requests.uuid(ctx, "walletId");
        String key = Requests.idempotencyKey(ctx);
        byte[] raw = Requests.jsonBody(ctx);
        BillPaymentBody body = Json.read(raw, BillPaymentBody.class);
        if (body.biller() != null && !billers.contains(body.biller())) {
            throw ApiException.unprocessable(
                    "unknown-biller",
                    "Unknown biller",
                    "biller must be one of " + billers.stream().sorted().toList());
        }
        var request = new BillPaymentRequest(
                required(body.biller(), "biller"),
                required(body.customerRef(), "customerRef"),
                required(body.amount(), "amount"));
        // Every payment gets a trace: the request's span, or the caller's traceparent, or a new one (TraceContext).
        // Its ids are in the MDC (trace_id, span_id) while it is current.
        try (var trace = TraceContext.enter(ctx);
                var wallet = MDC.putCloseable("walletId", walletId.toString())) {
            String traceparent = trace.traceparent();
            Principal principal = Authentication.principal(ctx);
            String scope = keyScope(principal, walletId);
            // One round trip to PostgreSQL: key, debit, payment, event and stored response in one function call.
            var paymentId = new AtomicReference<UUID>();
            var result = wallets.requestBillPayment(
                    IdempotentExecution.request(ctx, scope, key, Json.write(body)),
                    walletId,
                    principal.subject(),
                    request,
                    Optional.of(traceparent),
                    payment -> {
                        paymentId.set(payment.id());
                        return Responses.stored(202, paymentJson(payment));
                    });
            if (result instanceof IdempotencyKeys.Executed) {
                log.debug("bill payment requested paymentId={}", paymentId.get());
            }
            IdempotentExecution.answer(ctx, result);
        }
    }

    private void getPayment(Context ctx) {
        UUID id = Requests.uuid(ctx, "paymentId");
        BillPayment payment = wallets.findPayment(
                        id, Authentication.principal(ctx).subject())
                .orElseThrow(() -> new WalletException.PaymentNotFound(id));
        Responses.json(ctx, 200, paymentJson(payment));
    }

    private void transactions(Context ctx) {
        UUID walletId = Requests.uuid(ctx, "walletId");
        int limit = Requests.intQuery(ctx, "limit", ApiLimits.DEFAULT_PAGE_SIZE, 1, ApiLimits.MAX_PAGE_SIZE);
        Optional<String> cursor = Optional.ofNullable(ctx.queryParam("cursor")).filter(c -> !c.isEmpty());
        TransactionPage page =
                wallets.transactions(walletId, Authentication.principal(ctx).subject(), limit, cursor);
        List<Map<String, Object>> items =
                page.items().stream().map(WalletRoutes::entryJson).toList();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("items", items);
        json.put("nextCursor", page.nextCursor().orElse(null));
        Responses.json(ctx, 200, json);
    }

    private static <T> T required(T value, String field) {
        if (value == null) {
            throw ApiException.badRequest("field '" + field + "' is required");
        }
        return value;
    }

    static Map<String, Object> walletJson(Wallet w) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", w.id().toString());
        json.put("ownerId", w.ownerId());
        json.put("currency", w.currency());
        json.put("balance", w.balance());
        json.put("createdAt", w.createdAt().toString());
        return json;
    }

    static Map<String, Object> topUpJson(TopUp t) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", t.id().toString());
        json.put("walletId", t.walletId().toString());
        json.put("amount", t.amount());
        json.put("currency", t.currency());
        json.put("balance", t.balance());
        json.put("createdAt", t.createdAt().toString());
        return json;
    }

    static Map<String, Object> paymentJson(BillPayment p) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", p.id().toString());
        json.put("walletId", p.walletId().toString());
        json.put("status", p.status().name());
        json.put("biller", p.biller());
        json.put("customerRef", p.customerRef());
        json.put("amount", p.amount());
        json.put("currency", p.currency());
        json.put("providerReference", p.providerReference().orElse(null));
        json.put("failureReason", p.failureReason().orElse(null));
        json.put("createdAt", p.createdAt().toString());
        json.put("completedAt", p.completedAt().map(Object::toString).orElse(null));
        return json;
    }

    static Map<String, Object> entryJson(TransactionPage.Entry e) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", e.transferId().toString());
        json.put("kind", e.kind());
        json.put("amount", e.amount());
        json.put("currency", e.currency());
        json.put("reference", e.reference().toString());
        json.put("createdAt", e.createdAt().toString());
        return json;
    }
}
