package io.walletoutbox.provider.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class KeyedLanesTest {

    @Test
    void tasksOfOneKeyRunInOrderOneAtATime() throws InterruptedException {
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            var lanes = new KeyedLanes<String>(executor);
            Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
            var running = new ConcurrentHashMap<String, AtomicInteger>();
            var overlaps = new AtomicInteger();
            var done = new CountDownLatch(5 * 200);
            for (int i = 0; i < 200; i++) {
                for (int k = 0; k < 5; k++) {
                    String key = "k" + k;
                    int n = i;
                    lanes.submit(key, () -> {
                        if (running.computeIfAbsent(key, x -> new AtomicInteger())
                                        .incrementAndGet()
                                > 1) {
                            overlaps.incrementAndGet();
                        }
                        seen.computeIfAbsent(key, x -> java.util.Collections.synchronizedList(new ArrayList<>()))
                                .add(n);
                        running.get(key).decrementAndGet();
                        done.countDown();
                    });
                }
            }
            assertTrue(done.await(30, TimeUnit.SECONDS));
            assertEquals(0, overlaps.get(), "two tasks of one key ran at once");
            var expected = java.util.stream.IntStream.range(0, 200).boxed().toList();
            seen.values().forEach(list -> assertEquals(expected, list));
            assertEquals(5, seen.size());
        }
    }

    @Test
    void differentKeysRunAtTheSameTime() throws InterruptedException {
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            var lanes = new KeyedLanes<String>(executor);
            int keys = 20;
            var allStarted = new CountDownLatch(keys);
            var release = new CountDownLatch(1);
            for (int k = 0; k < keys; k++) {
                lanes.submit("k" + k, () -> {
                    allStarted.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            // Each task blocks until all have started: only possible if the keys run concurrently.
            assertTrue(allStarted.await(30, TimeUnit.SECONDS));
            assertEquals(keys, lanes.activeKeys());
            release.countDown();
        }
    }
}
