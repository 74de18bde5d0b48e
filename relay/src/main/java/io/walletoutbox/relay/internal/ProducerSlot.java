package io.walletoutbox.relay.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;

/**
 * The relay's current producer. A renewable slot (made with a factory) lets {@link BatchSender} pipeline a key's
 * events of a blocking topic: when one of them fails while later ones are queued behind it, the sender {@link
 * #discard discards} the producer from its callback, which force-closes it (nothing still queued is sent), and the
 * next cycle gets a new one. A fixed slot (one producer given) cannot do that, so its sender sends a blocking key's
 * events one after the other instead.
 */
public final class ProducerSlot {
    private final Supplier<? extends Producer<String, byte[]>> factory;
    private Producer<String, byte[]> current;
    private boolean closed;

    private ProducerSlot(Supplier<? extends Producer<String, byte[]>> factory, Producer<String, byte[]> current) {
        this.factory = factory;
        this.current = current;
    }

    /** A slot that always holds {@code producer}. */
    public static ProducerSlot fixed(Producer<String, byte[]> producer) {
        return new ProducerSlot(null, Objects.requireNonNull(producer, "producer"));
    }

    /** A slot that makes its producers with {@code factory}, the first one now. */
    public static ProducerSlot renewable(Supplier<? extends Producer<String, byte[]>> factory) {
        Objects.requireNonNull(factory, "factory");
        return new ProducerSlot(factory, Objects.requireNonNull(factory.get(), "factory made no producer"));
    }

    /** Whether a discarded producer is replaced (see the class comment). */
    public boolean renewable() {
        return factory != null;
    }

    /** The current producer; after a {@link #discard}, a new one from the factory. */
    public synchronized Producer<String, byte[]> get() {
        if (closed) {
            throw new IllegalStateException("the relay's producer is closed");
        }
        if (current == null) {
            current = factory.get();
        }
        return current;
    }

    /**
     * Force-closes {@code producer} if it is still the current one, from any thread (also the producer's own I/O
     * thread, in a send callback): its records not yet sent fail and are never sent. The next {@link #get} makes a
     * new producer. Does nothing on a fixed slot.
     */
    public void discard(Producer<String, byte[]> producer) {
        if (!renewable()) {
            return;
        }
        synchronized (this) {
            if (current != producer) {
                return;
            }
            current = null;
        }
        producer.close(Duration.ZERO);
    }

    /** Closes the current producer, waiting up to {@code timeout} for its pending sends. */
    public void close(Duration timeout) {
        Producer<String, byte[]> last;
        synchronized (this) {
            closed = true;
            last = current;
            current = null;
        }
        if (last != null) {
            last.close(timeout);
        }
    }
}
