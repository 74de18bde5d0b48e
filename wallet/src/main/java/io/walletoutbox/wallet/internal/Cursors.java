package io.walletoutbox.wallet.internal;

import io.walletoutbox.wallet.WalletException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

/**
 * Opaque page cursors: {@code v1:<wallet id>:<seq>} in unpadded base64url. Not secret: a forged cursor can only
 * name another position in the same wallet's own entries, which its holder may read anyway.
 */
final class Cursors {
    private Cursors() {}

    static String encode(UUID walletId, long seq) {
        String plain = "v1:" + walletId + ":" + seq;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.US_ASCII));
    }

    /** The seq the next page starts below. */
    static long decode(UUID walletId, String cursor) {
        if (cursor.length() > 100) {
            throw new WalletException.InvalidCursor();
        }
        try {
            String plain = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
            String[] parts = plain.split(":", -1);
            if (parts.length != 3
                    || !parts[0].equals("v1")
                    || !UUID.fromString(parts[1]).equals(walletId)) {
                throw new WalletException.InvalidCursor();
            }
            long seq = Long.parseLong(parts[2]);
            if (seq < 1) {
                throw new WalletException.InvalidCursor();
            }
            return seq;
        } catch (IllegalArgumentException e) { // bad base64, bad UUID, bad number
            throw new WalletException.InvalidCursor();
        }
    }
}
