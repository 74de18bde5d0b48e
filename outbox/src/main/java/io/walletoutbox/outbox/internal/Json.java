package io.walletoutbox.outbox.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The outbox's one Jackson mapper: headers written by the writers, payloads by {@code OutboxEvent.json}. */
public final class Json {
    /**
     * With a shared buffer pool: Jackson's default pool is per thread, and every request runs on a virtual thread of
     * its own, so each serialisation allocated fresh buffers.
     */
    public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
            .build());

    private Json() {}
}
