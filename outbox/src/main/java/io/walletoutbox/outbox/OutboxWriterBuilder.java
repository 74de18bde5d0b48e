package io.walletoutbox.outbox;

import java.util.Objects;

/**
 * Builds the stock PostgreSQL {@link OutboxWriter}: {@code OutboxWriter.builder().config(config).afterCommit(
 * relay::wakeUp).build()}. Every setting has a default, so {@code OutboxWriter.builder().build()} is a writer on the
 * default tables with 64 shards, in {@link OutboxMode#TABLE}, that wakes nobody and never refuses. Not thread-safe;
 * the writer it builds is.
 */
public final class OutboxWriterBuilder {
    private OutboxConfig config = OutboxConfig.DEFAULTS;
    private OutboxMode mode = OutboxMode.TABLE;
    private Runnable afterCommit = () -> {};
    private WriteGate gate = WriteGate.OPEN;

    OutboxWriterBuilder() {}

    /**
     * Shards and tables, the same for every writer and relay of one outbox. Default {@link OutboxConfig#DEFAULTS}.
     *
     * @param config the outbox's configuration
     * @return this builder
     */
    public OutboxWriterBuilder config(OutboxConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        return this;
    }

    /**
     * Where events go: {@link OutboxMode#TABLE} (default, for the polling relay) or {@link
     * OutboxMode#LOGICAL_MESSAGE} (for the CDC relay).
     *
     * @param mode the deployment's mode
     * @return this builder
     */
    public OutboxWriterBuilder mode(OutboxMode mode) {
        this.mode = Objects.requireNonNull(mode, "mode");
        return this;
    }

    /**
     * What {@link OutboxWriter#committed()} runs: cheap, never throws; typically {@code relay::wakeUp}. Default:
     * nothing.
     *
     * @param afterCommit the action
     * @return this builder
     */
    public OutboxWriterBuilder afterCommit(Runnable afterCommit) {
        this.afterCommit = Objects.requireNonNull(afterCommit, "afterCommit");
        return this;
    }

    /**
     * Asked before each append; when it refuses, nothing is written ({@link OutboxException.WritesRefusedException}).
     * Default {@link WriteGate#OPEN}; in {@link OutboxMode#LOGICAL_MESSAGE} pass the CDC relay's slot monitor.
     *
     * @param gate the gate
     * @return this builder
     */
    public OutboxWriterBuilder gate(WriteGate gate) {
        this.gate = Objects.requireNonNull(gate, "gate");
        return this;
    }

    /**
     * The writer.
     *
     * @return a writer with these settings
     */
    public OutboxWriter build() {
        return OutboxWriter.create(config, mode, afterCommit, gate);
    }
}
