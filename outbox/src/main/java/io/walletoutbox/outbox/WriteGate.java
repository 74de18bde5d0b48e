package io.walletoutbox.outbox;

import java.util.Optional;

/**
 * Says whether events may be appended right now. {@link OutboxWriter#append} (and a CDC-mode {@link
 * OutboxAdmin#retry}) asks it before writing and throws {@link OutboxException.WritesRefusedException} with its
 * reason when it refuses, so the caller's transaction rolls back instead of committing a change whose event no
 * relay would ever read (in CDC mode: a replication slot that is missing or invalidated). Called on every append:
 * it must be cheap and must not block (answer from a cached state refreshed elsewhere).
 */
@FunctionalInterface
public interface WriteGate {
    /** Never refuses. */
    WriteGate OPEN = Optional::empty;

    /**
     * Empty when appends may go ahead; otherwise why not, in one line an operator can act on.
     *
     * @return empty, or the reason, which becomes part of the {@link OutboxException.WritesRefusedException}'s
     *     message
     */
    Optional<String> refusal();
}
