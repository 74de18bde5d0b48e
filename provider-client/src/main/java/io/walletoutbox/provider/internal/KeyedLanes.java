package io.walletoutbox.provider.internal;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Runs tasks one at a time per key, in submission order, and different keys at once: a key with queued tasks
 * has one drainer on the executor (a virtual thread), which exits when the key's queue is empty. A key is in the
 * map exactly while its drainer runs.
 */
final class KeyedLanes<K> {
    private final Executor executor;
    private final Map<K, ArrayDeque<Runnable>> queues = new HashMap<>();

    KeyedLanes(Executor executor) {
        this.executor = executor;
    }

    /** Queues {@code task} after the key's earlier tasks. */
    void submit(K key, Runnable task) {
        synchronized (queues) {
            ArrayDeque<Runnable> queue = queues.get(key);
            if (queue != null) {
                queue.add(task);
                return;
            }
            queue = new ArrayDeque<>();
            queue.add(task);
            queues.put(key, queue);
            ArrayDeque<Runnable> mine = queue;
            executor.execute(() -> drain(key, mine));
        }
    }

    /** Keys with queued or running tasks. */
    int activeKeys() {
        synchronized (queues) {
            return queues.size();
        }
    }

    /** Tasks of {@code keys} (running or queued), summed. */
    int sizeOf(java.util.Collection<K> keys) {
        synchronized (queues) {
            int n = 0;
            for (K key : keys) {
                ArrayDeque<Runnable> queue = queues.get(key);
                if (queue != null) {
                    n += 1 + queue.size();
                }
            }
            return n;
        }
    }

    private void drain(K key, ArrayDeque<Runnable> queue) {
        while (true) {
            Runnable task;
            synchronized (queues) {
                task = queue.poll();
                if (task == null) {
                    queues.remove(key);
                    return;
                }
            }
            task.run(); // tasks handle their own failures; see KafkaBillPaymentConsumer#run
        }
    }
}
