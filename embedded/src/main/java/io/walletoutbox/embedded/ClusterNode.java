package io.walletoutbox.embedded;

import io.walletoutbox.embedded.internal.KafkaNodes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One node of an {@link EmbeddedKafkaCluster}: where it lives, its ports, and its process (null once killed), with
 * the process's lifecycle: launch, kill, pause and resume, stop. Not thread-safe: the cluster calls it under its own
 * lock.
 */
final class ClusterNode {
    final int id;
    final Path dir;
    final Path props;
    final Path logback;
    final int brokerPort;
    Process process;
    boolean paused;

    ClusterNode(int id, Path dir, Path props, Path logback, int brokerPort) {
        this.id = id;
        this.dir = dir;
        this.props = props;
        this.logback = logback;
        this.brokerPort = brokerPort;
    }

    String address() {
        return "127.0.0.1:" + brokerPort;
    }

    boolean running() {
        return process != null && process.isAlive();
    }

    /** Starts the node's process on its directory and ports. */
    void launch() throws IOException {
        process = KafkaNodes.launch(dir, logback, props, "128m", "512m");
        paused = false;
    }

    /** Kills the process and any process it started, like {@code kill -9}, and waits until it is gone. */
    void kill() {
        if (process == null) {
            return;
        }
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new EmbeddedInfrastructureException("Kafka node " + id + " did not die within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedInfrastructureException("interrupted while killing Kafka node " + id, e);
        }
        process = null;
        paused = false;
    }

    /** Freezes the running process ({@code SIGSTOP}). */
    void pause() {
        KafkaNodes.signal(process.pid(), "STOP");
        paused = true;
    }

    /** Lets the running process go on ({@code SIGCONT}) if it was paused. */
    void resume() {
        if (paused) {
            KafkaNodes.signal(process.pid(), "CONT");
            paused = false;
        }
    }

    /** The first step of stopping: a paused process is let go on, so that it can hear {@code SIGTERM}. */
    void resumeBeforeStop() {
        if (running() && paused) {
            try {
                KafkaNodes.signal(process.pid(), "CONT");
            } catch (RuntimeException e) {
                // killed by awaitStop
            }
        }
    }

    /** Asks a running process to stop ({@code SIGTERM}, a controlled shutdown). */
    void requestStop() {
        if (running()) {
            process.destroy();
        }
    }

    /** Waits for the process to exit until {@code deadline} ({@link System#nanoTime()}), then kills it. */
    void awaitStop(long deadline) {
        if (process == null) {
            return;
        }
        try {
            long left = Math.max(0, deadline - System.nanoTime());
            if (!process.waitFor(left, TimeUnit.NANOSECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the node was launched and its process has exited (not killed: a killed node has no process). */
    boolean exited() {
        return process != null && !process.isAlive();
    }

    /** Says how the process exited and where its output is. */
    String exitDescription() {
        return "Kafka node " + id + " exited with code " + process.exitValue() + "; see " + dir.resolve("broker.out")
                + " and " + dir.resolve("broker.log");
    }
}
