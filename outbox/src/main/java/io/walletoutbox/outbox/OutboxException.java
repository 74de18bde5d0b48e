package io.walletoutbox.outbox;

/** Root of the outbox module's exceptions. */
public class OutboxException extends RuntimeException {
    /**
     * A failure without an underlying exception.
     *
     * @param message what went wrong
     */
    public OutboxException(String message) {
        super(message);
    }

    /**
     * A failure caused by another exception.
     *
     * @param message what went wrong
     * @param cause the exception that caused it
     */
    public OutboxException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * {@link OutboxWriter#append} was called on a connection with no open transaction (in auto-commit mode), where
     * the event would commit on its own, whatever became of the caller's change.
     */
    public static final class NoTransactionException extends OutboxException {
        /** The exception, with a message that asks for the caller's open transaction. */
        public NoTransactionException() {
            super("OutboxWriter.append needs the caller's open transaction; the connection is in auto-commit mode");
        }
    }

    /**
     * The database refused or could not run one of the outbox's statements; the {@link java.sql.SQLException} is the
     * cause. In the caller's transaction, the transaction is then to be rolled back.
     */
    public static final class DatabaseException extends OutboxException {
        /**
         * The exception, with the message {@code "<what> failed: <the cause's message>"}.
         *
         * @param what the statement that failed, in words (e.g. {@code outbox parked retry})
         * @param cause the driver's exception
         */
        public DatabaseException(String what, java.sql.SQLException cause) {
            super(what + " failed: " + cause.getMessage(), cause);
        }

        /**
         * The SQLSTATE of the cause; null when the driver gave none.
         *
         * @return the five-character SQLSTATE (e.g. {@code 23505}, a unique violation), or null
         */
        public String sqlState() {
            return ((java.sql.SQLException) getCause()).getSQLState();
        }
    }

    /** An event with this id was appended before. */
    public static final class DuplicateEventException extends OutboxException {
        /**
         * The exception for an event whose id the outbox holds already.
         *
         * @param id the event's id ({@code ce_id}), named in the message
         */
        public DuplicateEventException(java.util.UUID id) {
            super("an outbox event with id " + id + " exists already");
        }
    }

    /**
     * The {@link WriteGate} refused the append: the event would not reach a relay (for example the CDC replication
     * slot is missing or invalidated). Nothing was written; the caller's transaction should roll back and the
     * request be refused as temporarily unavailable.
     */
    public static final class WritesRefusedException extends OutboxException {
        /**
         * The exception for a refused append.
         *
         * @param reason the gate's {@link WriteGate#refusal() refusal}, one line an operator can act on
         */
        public WritesRefusedException(String reason) {
            super("the outbox refuses writes: " + reason);
        }
    }

    /** This process's {@link OutboxMode} is not the one recorded for the database (see {@link OutboxModes}). */
    public static final class ModeMismatchException extends OutboxException {
        /** The mode recorded in the database. */
        private final OutboxMode recorded;

        /** The mode this process asked for. */
        private final OutboxMode requested;

        /**
         * The exception for a process that asked for {@code requested} on a database recorded for {@code recorded}.
         *
         * @param recorded the mode recorded in the database
         * @param requested the mode this process asked for
         */
        public ModeMismatchException(OutboxMode recorded, OutboxMode requested) {
            super("this process writes the outbox in mode " + requested + " but the database is recorded for mode "
                    + recorded + " (table outbox_mode); every instance of a deployment must use the same mode,"
                    + " and switching is an operator's action (OutboxModes.switchTo)");
            this.recorded = recorded;
            this.requested = requested;
        }

        /**
         * The mode recorded in the database.
         *
         * @return the mode every instance must use until an operator switches it ({@link OutboxModes#switchTo})
         */
        public OutboxMode recorded() {
            return recorded;
        }

        /**
         * The mode this process asked for.
         *
         * @return the mode given to {@link OutboxModes#claim}
         */
        public OutboxMode requested() {
            return requested;
        }
    }

    /** {@link OutboxModes#switchTo} refused: the outbox still holds events the current mode's relay must publish. */
    public static final class ModeSwitchRefusedException extends OutboxException {
        /**
         * The exception for a refused switch.
         *
         * @param reason why, with what to do (e.g. how many events the polling relay has still to publish)
         */
        public ModeSwitchRefusedException(String reason) {
            super("cannot switch the outbox mode: " + reason);
        }
    }

    /**
     * {@link OutboxSchema#validate} found the database's outbox tables missing or not matching the configuration
     * (tables, columns, functions, shard rows); nothing was changed.
     */
    public static final class SchemaMismatchException extends OutboxException {
        /** What is missing or wrong, one entry each. */
        private final java.util.List<String> problems;

        /**
         * The exception for a failed validation; its message lists every problem and how to create or upgrade the
         * schema.
         *
         * @param what the configuration checked, for the message
         * @param problems what is missing or wrong, one entry each
         */
        public SchemaMismatchException(String what, java.util.List<String> problems) {
            super("the outbox schema does not match the configuration (" + what + "): " + String.join("; ", problems)
                    + ". Create or upgrade it with OutboxSchema.migrate, or run the DDL printed by OutboxSchema"
                    + " (java -cp <outbox jar> io.walletoutbox.outbox.OutboxSchema --help)");
            this.problems = java.util.List.copyOf(problems);
        }

        /**
         * What is missing or wrong, one entry each.
         *
         * @return the problems, unmodifiable, in the order they were found
         */
        public java.util.List<String> problems() {
            return problems;
        }
    }
}
