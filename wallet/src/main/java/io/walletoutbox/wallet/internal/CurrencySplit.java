package io.walletoutbox.wallet.internal;

import io.walletoutbox.wallet.Wallets;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A JSON document rendered before the wallet's currency is known, split where its {@code "currency"} member's value
 * goes: {@code before + currency + after} is the document for that currency. The member is found as the exact
 * bytes {@code "currency":"XXX"} ({@link Wallets#CURRENCY_TO_COME}); inside a JSON string a quote is always escaped,
 * so these bytes can only be the member itself, never part of a value.
 */
record CurrencySplit(byte[] before, byte[] after) {
    private static final byte[] MEMBER =
            ("\"currency\":\"" + Wallets.CURRENCY_TO_COME + "\"").getBytes(StandardCharsets.UTF_8);
    /** Where the value starts within {@link #MEMBER}: after {@code "currency":"}. */
    private static final int VALUE_AT = MEMBER.length - Wallets.CURRENCY_TO_COME.length() - 1;

    CurrencySplit {
        before = before.clone();
        after = after.clone();
    }

    /**
     * Splits {@code json} at its one {@code "currency":"XXX"} member.
     *
     * @throws IllegalArgumentException when the member is missing or there more than once
     */
    static CurrencySplit of(byte[] json) {
        Objects.requireNonNull(json, "json");
        int at = indexOf(json, 0);
        if (at < 0 || indexOf(json, at + 1) >= 0) {
            throw new IllegalArgumentException(
                    "the document must hold the member \"currency\":\"" + Wallets.CURRENCY_TO_COME + "\" exactly once");
        }
        int value = at + VALUE_AT;
        return new CurrencySplit(
                Arrays.copyOfRange(json, 0, value),
                Arrays.copyOfRange(json, value + Wallets.CURRENCY_TO_COME.length(), json.length));
    }

    /** {@link #of(byte[])} of a string's UTF-8 bytes. */
    static CurrencySplit of(String json) {
        return of(json.getBytes(StandardCharsets.UTF_8));
    }

    /** The document with {@code currency} (three ASCII letters) in its place. */
    byte[] fill(String currency) {
        byte[] code = currency.getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(before, before.length + code.length + after.length);
        System.arraycopy(code, 0, out, before.length, code.length);
        System.arraycopy(after, 0, out, before.length + code.length, after.length);
        return out;
    }

    @Override
    public byte[] before() {
        return before.clone();
    }

    @Override
    public byte[] after() {
        return after.clone();
    }

    String beforeText() {
        return new String(before, StandardCharsets.UTF_8);
    }

    String afterText() {
        return new String(after, StandardCharsets.UTF_8);
    }

    private static int indexOf(byte[] haystack, int from) {
        outer:
        for (int i = from; i <= haystack.length - MEMBER.length; i++) {
            for (int j = 0; j < MEMBER.length; j++) {
                if (haystack[i + j] != MEMBER[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
