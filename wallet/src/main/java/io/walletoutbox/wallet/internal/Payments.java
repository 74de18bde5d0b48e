package io.walletoutbox.wallet.internal;

import io.walletoutbox.wallet.BillPayment;
import io.walletoutbox.wallet.BillPaymentRequest;
import io.walletoutbox.wallet.IdempotencyKeys;
import io.walletoutbox.wallet.StoredResponse;
import io.walletoutbox.wallet.WalletEvents;
import io.walletoutbox.wallet.WalletException;
import io.walletoutbox.wallet.Wallets;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;

/**
 * Bill-payment requests. Every entry point makes the payment through one implementation, the server-side function
 * {@code wallet_bill_payment} ({@link BillPaymentFunction}): the idempotent request in one round trip through {@code
 * wallet_request_bill_payment}, which calls it after the key's lock and lookup, and the caller's-transaction request
 * directly, on the caller's connection.
 */
final class Payments {
    private final WalletContext context;
    private final BillPaymentFunction.Connections connections;
    private final EventPayloads payloads = new EventPayloads();

    Payments(WalletContext context, BillPaymentFunction.Connections connections) {
        this.context = Objects.requireNonNull(context, "context");
        this.connections = Objects.requireNonNull(connections, "connections");
    }

    /** {@link Wallets#requestBillPayment(Handle, UUID, String, BillPaymentRequest, Optional)}; owner null = any. */
    BillPayment request(
            Handle handle, UUID walletId, String ownerId, BillPaymentRequest request, Optional<String> traceparent) {
        WalletContext.requireTransaction(handle);
        requireArguments(walletId, request, traceparent);
        Instant now = context.now();
        BillPayment toCome = toCome(walletId, request, now);
        EventAppend append = requested(toCome, traceparent, now);
        var call = call(null, walletId, ownerId, request, toCome, append);
        BillPaymentFunction.Executed made;
        try {
            made = made(refusalOf(append, () -> BillPaymentFunction.call(handle, call)), walletId, request);
        } catch (RuntimeException e) {
            // A refusal (no wallet, short of funds, over the limit) appended nothing and is no fault of the append.
            append.traced(false, e instanceof WalletException ? null : e);
            throw e;
        }
        append.traced(true, null);
        append.committedWith(handle);
        return new BillPayment(
                toCome.id(),
                walletId,
                request.biller(),
                request.customerRef(),
                request.amount(),
                made.currency(),
                BillPayment.Status.PENDING,
                Optional.empty(),
                Optional.empty(),
                now,
                Optional.empty());
    }

    /** {@link Wallets#requestBillPayment(IdempotencyKeys.Request, UUID, String, BillPaymentRequest, Optional, Function)}. */
    IdempotencyKeys.Result request(
            IdempotencyKeys.Request key,
            UUID walletId,
            String ownerId,
            BillPaymentRequest request,
            Optional<String> traceparent,
            Function<BillPayment, StoredResponse> response) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(ownerId, "ownerId");
        Objects.requireNonNull(response, "response");
        requireArguments(walletId, request, traceparent);
        Instant now = context.now();
        BillPayment toCome = toCome(walletId, request, now);
        StoredResponse rendered = Objects.requireNonNull(response.apply(toCome), "response rendered nothing");
        CurrencySplit body = CurrencySplit.of(rendered.body());
        EventAppend append = requested(toCome, traceparent, now);
        var keyed = new BillPaymentFunction.Keyed(
                key,
                context.config().idempotencyRetention().toMillis(),
                rendered.status(),
                rendered.contentType(),
                body);
        var call = call(keyed, walletId, ownerId, request, toCome, append);
        BillPaymentFunction.Executed made;
        try {
            var answer = refusalOf(append, () -> BillPaymentFunction.call(connections, call));
            if (answer instanceof BillPaymentFunction.KeyAnswer keyAnswer) {
                append.traced(false, null);
                return keyAnswer.result();
            }
            made = made(answer, walletId, request);
        } catch (RuntimeException e) {
            // A refusal (no wallet, short of funds, over the limit) appended nothing and is no fault of the append.
            append.traced(false, e instanceof WalletException ? null : e);
            throw e;
        }
        append.traced(true, null);
        append.committed();
        return new IdempotencyKeys.Executed(
                new StoredResponse(rendered.status(), rendered.contentType(), body.fill(made.currency())));
    }

    private static void requireArguments(UUID walletId, BillPaymentRequest request, Optional<String> traceparent) {
        Objects.requireNonNull(walletId, "walletId");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(traceparent, "traceparent");
        traceparent.ifPresent(WalletContext::requireTraceparent);
    }

    /** The payment about to be made, its currency ({@link Wallets#CURRENCY_TO_COME}) filled in by the function. */
    private static BillPayment toCome(UUID walletId, BillPaymentRequest request, Instant now) {
        return new BillPayment(
                UUID.randomUUID(),
                walletId,
                request.biller(),
                request.customerRef(),
                request.amount(),
                Wallets.CURRENCY_TO_COME,
                BillPayment.Status.PENDING,
                Optional.empty(),
                Optional.empty(),
                now,
                Optional.empty());
    }

    private EventAppend requested(BillPayment toCome, Optional<String> traceparent, Instant now) {
        var event =
                context.event(toCome.walletId(), WalletEvents.BILL_PAYMENT_REQUESTED, payloads.requested(toCome), now);
        if (traceparent.isPresent()) {
            event = event.withHeader("traceparent", traceparent.get());
        }
        // The append's create span (when tracing is on): the row then stores its context as the traceparent.
        return EventAppend.traced(context.outbox(), event);
    }

    private BillPaymentFunction.Call call(
            BillPaymentFunction.Keyed keyed,
            UUID walletId,
            String ownerId,
            BillPaymentRequest request,
            BillPayment toCome,
            EventAppend append) {
        return new BillPaymentFunction.Call(
                keyed,
                walletId,
                ownerId,
                request.amount(),
                WalletContext.utcDay(toCome.createdAt()),
                context.config().dailyPaymentLimit(),
                SystemAccounts.bucketOf(walletId),
                toCome.id(),
                UUID.randomUUID(),
                request.biller(),
                request.customerRef(),
                toCome.createdAt(),
                append,
                CurrencySplit.of(append.event().payloadText()));
    }

    private static BillPaymentFunction.Answer refusalOf(EventAppend append, Supplier<BillPaymentFunction.Answer> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            throw append.refusal(e);
        }
    }

    /** The executed answer, or the refusal's exception (nothing was written). */
    private BillPaymentFunction.Executed made(
            BillPaymentFunction.Answer answer, UUID walletId, BillPaymentRequest request) {
        return switch (answer) {
            case BillPaymentFunction.Executed executed -> executed;
            case BillPaymentFunction.WalletNotFound notFound -> throw new WalletException.WalletNotFound(walletId);
            case BillPaymentFunction.InsufficientFunds short_ ->
                throw new WalletException.InsufficientFunds(
                        "balance " + short_.balance() + " is below the amount " + request.amount());
            case BillPaymentFunction.DailyLimit limit ->
                throw new WalletException.DailyLimitExceeded(
                        walletId, context.config().dailyPaymentLimit(), limit.spentToday(), request.amount());
            case BillPaymentFunction.KeyAnswer keyAnswer ->
                throw new IllegalStateException("the payment alone has no key, yet answered " + keyAnswer);
        };
    }
}
