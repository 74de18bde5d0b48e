package io.walletoutbox.app.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class IdempotentExecutionTest {
    @Test
    void digestIsSha256InHex() {
        // FIPS 180-2 test vector
        assertEquals(
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", IdempotentExecution.digest("abc"));
    }

    @Test
    void fingerprintIsSha256OverMethodPathAndBody() throws Exception {
        byte[] body = "{\"amount\":1}".getBytes(StandardCharsets.UTF_8);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update("POST /wallets/w/bill-payments\n".getBytes(StandardCharsets.UTF_8));
        sha.update(body);
        assertEquals(
                HexFormat.of().formatHex(sha.digest()),
                IdempotentExecution.fingerprint("POST", "/wallets/w/bill-payments", body));
    }

    @Test
    void concurrentDigestsDoNotShareState() throws Exception {
        List<Callable<String>> calls = IntStream.range(0, 200)
                .<Callable<String>>mapToObj(i -> () -> IdempotentExecution.digest("subject-" + (i % 2)))
                .toList();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> results = pool.invokeAll(calls);
            for (int i = 0; i < results.size(); i++) {
                assertEquals(
                        IdempotentExecution.digest("subject-" + (i % 2)),
                        results.get(i).get());
            }
        }
    }
}
