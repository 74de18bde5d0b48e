package io.walletoutbox.app.internal.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.walletoutbox.app.internal.audit.AuditLog;
import io.walletoutbox.app.internal.auth.Access;
import io.walletoutbox.app.internal.auth.Authentication;
import io.walletoutbox.outbox.OutboxAdmin;
import io.walletoutbox.provider.Reconciliation;
import io.walletoutbox.provider.ReconciliationEntry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The operator endpoints of the management port, all behind scope {@code wallet:admin}: outbox status, parked
 * (dead-lettered) events to list, retry or discard, payments waiting for reconciliation, and the audit log. Every
 * action is written to the audit log in the same transaction as its effect.
 */
public final class AdminRoutes {
    private final Jdbi jdbi;
    private final OutboxAdmin admin;
    private final Reconciliation reconciliation;
    private final AuditLog audit;
    private final Runnable wakeRelay;

    /** Request body of a retry (reason optional) or a discard (reason required). */
    record ReasonBody(String reason) {}

    /** Request body of a reconciliation resolve. */
    record ResolveBody(String outcome, String providerReference, String reason) {}

    /**
     * An operator settles a payment in reconciliation: PAID (SUCCEEDED) or DECLINED (FAILED and refunded). The biller
     * is asked first and a definite answer of its own cannot be contradicted (409); resolving again the same way
     * answers 200 and changes nothing. The settlement and its audit record commit together.
     */
    private void resolve(Context ctx) {
        java.util.UUID paymentId = Requests.uuid(ctx, "paymentId");
        ResolveBody body = Json.read(Requests.jsonBody(ctx), ResolveBody.class);
        Reconciliation.Resolution outcome;
        try {
            outcome = Reconciliation.Resolution.valueOf(String.valueOf(body.outcome()));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("outcome must be PAID or DECLINED");
        }
        if (body.reason() == null) {
            throw ApiException.badRequest("a reason is required");
        }
        Optional<String> reason = Optional.of(body.reason());
        checkReason(reason.get());
        String actor = Authentication.principal(ctx).audited();
        io.walletoutbox.provider.ResolveResult result;
        try {
            result = jdbi.inTransaction(h -> {
                var r = reconciliation.resolve(
                        h, paymentId, outcome, Optional.ofNullable(body.providerReference()), reason.get(), actor);
                if (r.status() == io.walletoutbox.provider.ResolveResult.Status.RESOLVED) {
                    audit.record(
                            h,
                            actor,
                            "reconciliation.resolve." + outcome.name().toLowerCase(java.util.Locale.ROOT),
                            "payment:" + paymentId,
                            reason);
                } else {
                    h.rollback();
                }
                return r;
            });
        } catch (IllegalArgumentException e) {
            throw ApiException.unprocessable("invalid-field", "Invalid field", e.getMessage());
        }
        switch (result.status()) {
            case RESOLVED, ALREADY_RESOLVED -> {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("paymentId", paymentId.toString());
                json.put("result", result.status().name());
                json.put("outcome", outcome.name());
                json.put("detail", result.detail());
                Responses.json(ctx, 200, json);
            }
            case NOT_FOUND -> throw ApiException.notFound("payment " + paymentId + " is not in reconciliation");
            case CONTRADICTS_BILLER ->
                throw new ApiException(409, "contradicts-biller", "Contradicts the biller", result.detail());
            case RESOLVED_OTHERWISE ->
                throw new ApiException(409, "resolved-otherwise", "Resolved the other way", result.detail());
            case REFERENCE_REQUIRED ->
                throw ApiException.unprocessable("reference-required", "Provider reference required", result.detail());
            case ATTEMPT_IN_FLIGHT -> {
                result.decidableAt()
                        .ifPresent(at -> ctx.header(
                                "Retry-After",
                                Long.toString(Math.max(
                                        1,
                                        java.time.Duration.between(java.time.Instant.now(), at)
                                                        .toSeconds()
                                                + 1))));
                throw new ApiException(409, "attempt-in-flight", "A charge attempt may still land", result.detail());
            }
        }
    }

    /** @param wakeRelay called after a retry so an idle relay in this process publishes at once */
    public AdminRoutes(
            Jdbi jdbi, OutboxAdmin admin, Reconciliation reconciliation, AuditLog audit, Runnable wakeRelay) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.admin = Objects.requireNonNull(admin, "admin");
        this.reconciliation = Objects.requireNonNull(reconciliation, "reconciliation");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.wakeRelay = Objects.requireNonNull(wakeRelay, "wakeRelay");
    }

    public void register(JavalinConfig config) {
        config.routes.get("/admin/outbox", this::status, Access.ADMIN);
        config.routes.get("/admin/outbox/parked", this::listParked, Access.ADMIN);
        config.routes.post("/admin/outbox/parked/{id}/retry", this::retry, Access.ADMIN);
        config.routes.delete("/admin/outbox/parked/{id}", this::discard, Access.ADMIN);
        config.routes.get("/admin/reconciliation", this::pendingReconciliation, Access.ADMIN);
        config.routes.post("/admin/reconciliation/{paymentId}/resolve", this::resolve, Access.ADMIN);
        config.routes.get("/admin/audit", this::auditLog, Access.ADMIN);
    }

    private static void checkReason(String r) {
        if (r.isBlank() || r.length() > 500 || r.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n')) {
            throw ApiException.unprocessable(
                    "invalid-field", "Invalid field", "reason must be 1 to 500 characters without control characters");
        }
    }

    private void auditLog(Context ctx) {
        int limit = Requests.intQuery(ctx, "limit", ApiLimits.DEFAULT_PAGE_SIZE, 1, ApiLimits.MAX_PAGE_SIZE);
        long after = longQuery(ctx, "after");
        List<Map<String, Object>> items = audit.list(limit, after).stream()
                .map(e -> {
                    Map<String, Object> json = new LinkedHashMap<>();
                    json.put("id", e.id());
                    json.put("at", e.at().toString());
                    json.put("actor", e.actor());
                    json.put("action", e.action());
                    json.put("target", e.target());
                    json.put("reason", e.reason().orElse(null));
                    return json;
                })
                .toList();
        Responses.json(ctx, 200, Map.of("items", items));
    }

    /** The reason in the body: required for discards, optional for retries; 1 to 500 printable characters. */
    private static Optional<String> reason(Context ctx, boolean required) {
        Optional<String> reason = Optional.empty();
        if (ctx.bodyAsBytes().length > 0) {
            reason = Optional.ofNullable(
                    Json.read(Requests.jsonBody(ctx), ReasonBody.class).reason());
        }
        if (reason.isEmpty() && required) {
            throw ApiException.badRequest("a reason is required: send {\"reason\":\"…\"}");
        }
        reason.ifPresent(AdminRoutes::checkReason);
        return reason;
    }

    /** Payments whose biller outcome stayed unknown past the horizon: never refunded, waiting for an operator. */
    private void pendingReconciliation(Context ctx) {
        int limit = Requests.intQuery(ctx, "limit", ApiLimits.DEFAULT_PAGE_SIZE, 1, ApiLimits.MAX_PAGE_SIZE);
        List<Map<String, Object>> items = reconciliation.pending(limit).stream()
                .map(AdminRoutes::reconciliationJson)
                .toList();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("pending", reconciliation.countPending());
        json.put("items", items);
        Responses.json(ctx, 200, json);
    }

    private static Map<String, Object> reconciliationJson(ReconciliationEntry e) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("paymentId", e.paymentId().toString());
        json.put("eventId", e.eventId() == null ? null : e.eventId().toString()); // none: discarded, no-progress
        json.put("walletId", e.walletId());
        json.put("biller", e.biller());
        json.put("customerRef", e.customerRef());
        json.put("amount", e.amount());
        json.put("currency", e.currency());
        json.put("lastCause", e.lastCause());
        json.put("attempts", e.attempts());
        json.put("firstAttemptAt", e.firstAttemptAt().toString());
        json.put("recordedAt", e.recordedAt().toString());
        json.put("reason", e.reason());
        json.put("checks", e.checks());
        json.put("recharges", e.recharges());
        json.put("lastCheckedAt", e.lastCheckedAt().map(Object::toString).orElse(null));
        json.put("lastAttemptAt", e.lastAttemptAt().map(Object::toString).orElse(null));
        json.put("nextCheckAt", e.nextCheckAt().toString());
        json.put("action", e.action());
        return json;
    }

    private void status(Context ctx) {
        OutboxAdmin.Status status = admin.status();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("backlog", status.backlog());
        json.put("oldestEventAgeSeconds", status.oldestAge().toMillis() / 1000.0);
        json.put("parked", status.parked());
        Responses.json(ctx, 200, json);
    }

    private void listParked(Context ctx) {
        int limit = Requests.intQuery(ctx, "limit", ApiLimits.DEFAULT_PAGE_SIZE, 1, ApiLimits.MAX_PAGE_SIZE);
        long after = longQuery(ctx, "after");
        List<Map<String, Object>> items = admin.listParked(limit, after).stream()
                .map(AdminRoutes::parkedJson)
                .toList();
        Responses.json(ctx, 200, Map.of("items", items));
    }

    private void retry(Context ctx) {
        parkedAction(ctx, "outbox.parked.retry", false, (h, id) -> admin.retry(h.getConnection(), id));
        wakeRelay.run();
        ctx.status(204);
    }

    /**
     * Discards a parked event. A {@code BillPaymentRequested} never reaches a biller once discarded, so its payment,
     * if PENDING, goes to reconciliation (reason {@code discarded}) in the same transaction: never PENDING without
     * a way out.
     */
    private void discard(Context ctx) {
        parkedAction(
                ctx,
                "outbox.parked.discard",
                true,
                (h, id) -> admin.discardEvent(h.getConnection(), id)
                        .map(event -> {
                            Optional<java.util.UUID> payment = DiscardedPayments.paymentOf(event);
                            payment.ifPresent(p -> reconciliation.openDiscarded(
                                    h,
                                    p,
                                    "its BillPaymentRequested event " + event.eventId()
                                            + " was discarded by an operator"));
                            return true;
                        })
                        .orElse(false));
        ctx.status(204);
    }

    /** Runs an action on parked event {@code id} and records it in the audit log, in one transaction; 404 if none. */
    private void parkedAction(
            Context ctx,
            String action,
            boolean reasonRequired,
            java.util.function.BiPredicate<org.jdbi.v3.core.Handle, Long> effect) {
        long id = parkedId(ctx);
        Optional<String> reason = reason(ctx, reasonRequired);
        String actor = Authentication.principal(ctx).audited();
        boolean done = jdbi.inTransaction(h -> {
            if (!effect.test(h, id)) {
                return false;
            }
            audit.record(h, actor, action, "parked:" + id, reason);
            return true;
        });
        if (!done) {
            throw ApiException.notFound("no parked event " + id);
        }
    }

    private static long parkedId(Context ctx) {
        try {
            long id = Long.parseLong(ctx.pathParam("id"));
            if (id < 1) {
                throw new NumberFormatException();
            }
            return id;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("id must be a positive integer");
        }
    }

    private static long longQuery(Context ctx, String name) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isEmpty()) {
            return 0;
        }
        try {
            long value = Long.parseLong(raw);
            if (value < 0) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + " must be a non-negative integer");
        }
    }

    private static Map<String, Object> parkedJson(OutboxAdmin.ParkedEvent p) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", p.id());
        json.put("eventId", p.eventId().toString());
        json.put("aggregateType", p.aggregateType());
        json.put("aggregateId", p.aggregateId());
        json.put("type", p.type());
        json.put("topic", p.topic());
        json.put("payloadBytes", p.payloadBytes());
        json.put("attempts", p.attempts());
        json.put("lastError", p.lastError());
        json.put("createdAt", p.createdAt().toString());
        json.put("parkedAt", p.parkedAt().toString());
        return json;
    }
}
