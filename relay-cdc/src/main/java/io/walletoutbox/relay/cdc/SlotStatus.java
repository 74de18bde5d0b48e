package io.walletoutbox.relay.cdc;

import java.util.Objects;

/**
 * The health of the CDC relay's replication slot, as {@link CdcSlots#status} reads it from {@code
 * pg_replication_slots}.
 *
 * @param state what the slot's state means for the writers
 * @param detail one line for an operator: what was found, and for a bad state what resolves it
 */
public record SlotStatus(State state, String detail) {
    /**
     * Checks that neither component is null.
     *
     * @throws NullPointerException when {@code state} or {@code detail} is null
     */
    public SlotStatus {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(detail, "detail");
    }

    /** The slot's states, from the writers' point of view, by increasing {@link #severity()}. */
    public enum State {
        /** The slot exists for this database and keeps the WAL it needs: events committed now will be relayed. */
        OK,
        /**
         * The slot still works but has fallen behind by more than {@code max_slot_wal_keep_size} ({@code wal_status
         * = 'unreserved'}): the next checkpoint may invalidate it unless the relay catches up. Writes are still
         * accepted (the relay may catch up); alert on it.
         */
        AT_RISK,
        /**
         * No slot of that name for this database (dropped, never created, or a slot of that name belongs to another
         * database): events committed now would be read by no relay.
         */
        MISSING,
        /**
         * PostgreSQL invalidated the slot ({@code wal_status = 'lost'}, {@code invalidation_reason} set, or {@code
         * conflicting}): the WAL it needed was removed, it can never be read again, and events committed now would
         * be lost with it.
         */
        INVALIDATED;

        /**
         * 0 for {@link #OK} up to 3 for {@link #INVALIDATED}: the value of the {@code relay.cdc.slot.state} gauge.
         *
         * @return 0..3
         */
        public int severity() {
            return ordinal();
        }
    }

    /**
     * True when events written now reach a relay: {@link State#OK} or {@link State#AT_RISK}.
     *
     * @return whether the state is {@link State#OK} or {@link State#AT_RISK}
     */
    public boolean acceptsWrites() {
        return state == State.OK || state == State.AT_RISK;
    }
}
