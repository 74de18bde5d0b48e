package io.walletoutbox.wallet.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.walletoutbox.wallet.WalletException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CursorsTest {
    private final UUID wallet = UUID.randomUUID();

    @Test
    void aCursorDecodesToTheSeqItWasMadeFor() {
        for (long seq : new long[] {1, 42, Long.MAX_VALUE}) {
            assertEquals(seq, Cursors.decode(wallet, Cursors.encode(wallet, seq)));
        }
    }

    @Test
    void aCursorIsOpaqueUrlSafeText() {
        String cursor = Cursors.encode(wallet, 12345);
        assertFalse(cursor.contains(wallet.toString()));
        assertEquals(cursor, cursor.replaceAll("[^A-Za-z0-9_-]", ""));
    }

    @Test
    void cursorsOfAnotherWalletOrMalformedOnesAreRefused() {
        String[] bad = {
            Cursors.encode(UUID.randomUUID(), 5),
            "",
            "!!!",
            b64("v2:" + wallet + ":5"),
            b64("v1:" + wallet + ":0"),
            b64("v1:" + wallet + ":-3"),
            b64("v1:" + wallet + ":abc"),
            b64("v1:" + wallet + ":99999999999999999999"),
            b64("v1:not-a-uuid:5"),
            b64("v1:" + wallet + ":5:extra"),
            "A".repeat(101)
        };
        for (String cursor : bad) {
            assertThrows(WalletException.InvalidCursor.class, () -> Cursors.decode(wallet, cursor), cursor);
        }
    }

    @Test
    void theAdvisoryLockObjectDependsOnScopeAndKey() {
        int a = PostgresIdempotencyKeys.lockObject("wallet:1", "k");
        assertEquals(a, PostgresIdempotencyKeys.lockObject("wallet:1", "k"));
        assertFalse(a == PostgresIdempotencyKeys.lockObject("wallet:2", "k"));
        assertFalse(a == PostgresIdempotencyKeys.lockObject("wallet:1", "k2"));
    }

    private static String b64(String plain) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.US_ASCII));
    }
}
