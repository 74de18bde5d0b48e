package io.walletoutbox.relay.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One step run on a virtual thread every {@code interval} until closed; a step that throws is handed to {@code
 * onFailure} (not after close) and the next round runs as usual. {@link #close()} wakes the thread and waits for it.
 */
public final class PeriodicTask implements AutoCloseable {
    private final String name;
    private final Duration interval;
    private final Runnable step;
    private final Consumer<RuntimeException> onFailure;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition stop = lock.newCondition();
    private volatile boolean running;
    private Thread thread;

    public PeriodicTask(String name, Duration interval, Runnable step, Consumer<RuntimeException> onFailure) {
        this.name = Objects.requireNonNull(name, "name");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.step = Objects.requireNonNull(step, "step");
        this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
    }

    /** Starts the thread (a no-op when it runs). */
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        thread = Thread.ofVirtual().name(name).start(this::loop);
    }

    private void loop() {
        while (running) {
            try {
                step.run();
            } catch (RuntimeException e) {
                if (running) {
                    onFailure.accept(e);
                }
            }
            pause();
        }
    }

    private void pause() {
        lock.lock();
        try {
            long nanos = interval.toNanos();
            while (running && nanos > 0) {
                nanos = stop.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the thread and waits for it (at most 30 s). Safe to call more than once. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (!running) {
                return;
            }
            running = false;
            t = thread;
        }
        lock.lock();
        try {
            stop.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            t.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
