package io.walletoutbox.provider.internal;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body read as UTF-8 text up to {@link #MAX_BYTES}. A longer body is not held: the subscription is
 * cancelled and the request fails with {@link TooLargeException} (an {@code IOException}, so a caller treats it as
 * any other broken answer — for a biller, an unknown outcome). Without it a biller or a man in the middle answering
 * gigabytes would exhaust the heap, and {@code -XX:+ExitOnOutOfMemoryError} would turn that into a crash loop.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<String> {
    /** The largest biller answer read. */
    static final int MAX_BYTES = 64 * 1024;

    /** The body was longer than allowed. */
    static final class TooLargeException extends IOException {
        TooLargeException(int limit) {
            super("the answer is larger than " + limit / 1024 + " KiB");
        }
    }

    private final int limit;
    private final CompletableFuture<String> result = new CompletableFuture<>();
    private byte[] buffer = new byte[1024];
    private int size;
    private Flow.Subscription subscription;

    private BoundedBody(int limit) {
        this.limit = limit;
    }

    /** A handler reading every body up to {@link #MAX_BYTES}. */
    static HttpResponse.BodyHandler<String> handler() {
        return handler(MAX_BYTES);
    }

    static HttpResponse.BodyHandler<String> handler(int limit) {
        return info -> new BoundedBody(limit);
    }

    @Override
    public CompletionStage<String> getBody() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (result.isDone()) {
            return;
        }
        for (ByteBuffer item : items) {
            int n = item.remaining();
            if (n > limit - size) {
                subscription.cancel();
                result.completeExceptionally(new TooLargeException(limit));
                return;
            }
            if (size + n > buffer.length) {
                buffer = java.util.Arrays.copyOf(buffer, Math.min(limit, Math.max(size + n, buffer.length * 2)));
            }
            item.get(buffer, size, n);
            size += n;
        }
    }

    @Override
    public void onError(Throwable throwable) {
        result.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
        result.complete(new String(buffer, 0, size, StandardCharsets.UTF_8));
    }
}
