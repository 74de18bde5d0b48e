package io.walletoutbox.app.internal.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.walletoutbox.outbox.OutboxAdmin;
import io.walletoutbox.provider.Reconciliation;
import io.walletoutbox.provider.ReconciliationEntry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The outbox's operator endpoints: status, and parked (dead-lettered) events to list, retry or discard. */
public final class AdminRoutes {
    private final OutboxAdmin admin;
    private final Reconciliation reconciliation;
    private final Runnable wakeRelay;

    /** @param wakeRelay called after a retry so an idle relay in this process publishes at once */
    public AdminRoutes(OutboxAdmin admin, Reconciliation reconciliation, Runnable wakeRelay) {
        this.admin = Objects.requireNonNull(admin, "admin");
        this.reconciliation = Objects.requireNonNull(reconciliation, "reconciliation");
        this.wakeRelay = Objects.requireNonNull(wakeRelay, "wakeRelay");
    }

    public void register(JavalinConfig config) {
        config.routes.get("/admin/outbox", this::status);
        config.routes.get("/admin/outbox/parked", this::listParked);
        config.routes.post("/admin/outbox/parked/{id}/retry", this::retry);
        config.routes.delete("/admin/outbox/parked/{id}", this::discard);
        config.routes.get("/admin/reconciliation", this::pendingReconciliation);
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
        json.put("eventId", e.eventId().toString());
        json.put("walletId", e.walletId());
        json.put("biller", e.biller());
        json.put("customerRef", e.customerRef());
        json.put("amount", e.amount());
        json.put("currency", e.currency());
        json.put("lastCause", e.lastCause());
        json.put("attempts", e.attempts());
        json.put("firstAttemptAt", e.firstAttemptAt().toString());
        json.put("recordedAt", e.recordedAt().toString());
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
        long id = parkedId(ctx);
        if (!admin.retry(id)) {
            throw ApiException.notFound("no parked event " + id);
        }
        wakeRelay.run();
        ctx.status(204);
    }

    private void discard(Context ctx) {
        long id = parkedId(ctx);
        if (!admin.discard(id)) {
            throw ApiException.notFound("no parked event " + id);
        }
        ctx.status(204);
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
