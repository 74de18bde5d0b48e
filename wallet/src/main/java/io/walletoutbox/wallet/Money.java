package io.walletoutbox.wallet;

import java.util.Currency;
import java.util.Set;
import java.util.stream.Collectors;

/** Rules for amounts, currencies, owner ids and short texts, shared by the API and the ledger. */
public final class Money {
    private Money() {}

    /** The largest amount (and balance) in minor units: 10^15, far below {@link Long#MAX_VALUE}. */
    public static final long MAX_AMOUNT = 1_000_000_000_000_000L;

    private static final Set<String> ISO_4217 = Currency.getAvailableCurrencies().stream()
            .map(Currency::getCurrencyCode)
            .collect(Collectors.toUnmodifiableSet());

    /** @throws WalletException.AmountOutOfRange unless 1 <= amount <= {@link #MAX_AMOUNT} */
    public static long requireAmount(long amount) {
        if (amount < 1 || amount > MAX_AMOUNT) {
            throw new WalletException.AmountOutOfRange("amount must be an integer from 1 to " + MAX_AMOUNT);
        }
        return amount;
    }

    /** @throws WalletException.InvalidCurrency unless an ISO 4217 code in upper case */
    public static String requireCurrency(String code) {
        if (code == null || !ISO_4217.contains(code)) {
            throw new WalletException.InvalidCurrency("currency must be an ISO 4217 code such as USD, was " + code);
        }
        return code;
    }

    /**
     * Identifiers (billers, customer references; owner ids have {@link #requireOwnerId}): 1..64 characters, starting with a letter or digit,
     * then letters, digits, spaces and {@code . _ : @ + / # -}. Quotes, semicolons, backslashes and other
     * characters with a meaning in SQL, shells or markup are refused, so such text never reaches a biller or a
     * log line, even though every statement binds its parameters.
     */
    private static final java.util.regex.Pattern IDENTIFIER =
            java.util.regex.Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N} ._:@+/#-]{0,63}");

    /** @throws WalletException.InvalidField unless {@code value} is an identifier as described above */
    public static String requireText(String value, String field) {
        if (value == null || !IDENTIFIER.matcher(value).matches()) {
            throw new WalletException.InvalidField(
                    field
                            + " must be 1 to 64 characters: letters, digits, spaces and . _ : @ + / # - (starting with a letter or digit)");
        }
        return value;
    }

    /** The longest owner id, in characters (Unicode code points). */
    public static final int MAX_OWNER_ID_LENGTH = 255;

    /**
     * Owner ids are the {@code sub} of the owner's OAuth access token, so they are whatever the issuer makes
     * ({@code auth0|5f7c…}, UUIDs, e-mail addresses, {@code service-account-x}): 1..{@value #MAX_OWNER_ID_LENGTH}
     * characters, any of them except control characters ({@code \p{Cc}}) and unpaired surrogates, neither starting
     * nor ending with whitespace. Compared exactly (case and all), never normalised; every statement binds them as
     * parameters. Other identifiers keep the narrower {@link #requireText}.
     *
     * @throws WalletException.InvalidField unless {@code value} is such an owner id
     */
    public static String requireOwnerId(String value) {
        if (value == null
                || value.isEmpty()
                || value.codePointCount(0, value.length()) > MAX_OWNER_ID_LENGTH
                || value.codePoints().anyMatch(Money::forbiddenInOwnerId)
                || blank(value.codePointAt(0))
                || blank(value.codePointBefore(value.length()))) {
            throw new WalletException.InvalidField("ownerId must be 1 to " + MAX_OWNER_ID_LENGTH
                    + " characters without control characters or leading or trailing whitespace");
        }
        return value;
    }

    // codePoints() joins well-formed surrogate pairs, so a SURROGATE here is an unpaired one (not storable as UTF-8).
    private static boolean forbiddenInOwnerId(int codePoint) {
        int type = Character.getType(codePoint);
        return type == Character.CONTROL || type == Character.SURROGATE;
    }

    private static boolean blank(int codePoint) {
        return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint);
    }
}
