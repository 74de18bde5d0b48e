package io.walletoutbox.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class MoneyTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 2500, Money.MAX_AMOUNT})
    void amountsFromOneToTheMaximumAreAccepted(long amount) {
        assertEquals(amount, Money.requireAmount(amount));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Money.MAX_AMOUNT + 1, Long.MAX_VALUE, Long.MIN_VALUE})
    void amountsOutsideTheRangeAreRefused(long amount) {
        assertThrows(WalletException.AmountOutOfRange.class, () -> Money.requireAmount(amount));
    }

    @ParameterizedTest
    @ValueSource(strings = {"USD", "EUR", "JPY", "KES"})
    void iso4217CodesAreAccepted(String code) {
        assertEquals(code, Money.requireCurrency(code));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"usd", "US", "USDX", "XYZ", "US'", " USD"})
    void otherCurrenciesAreRefused(String code) {
        assertThrows(WalletException.InvalidCurrency.class, () -> Money.requireCurrency(code));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(
            strings = {
                "   ",
                "a\u0000b",
                "tab\there",
                "line\nbreak",
                "O'Brien; DROP TABLE account;--",
                "a\"b",
                "x\\y",
                "-leading",
                " leading"
            })
    void blankControlOrMetacharacterTextIsRefused(String text) {
        assertThrows(WalletException.InvalidField.class, () -> Money.requireText(text, "customerRef"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ACC-1001", "alice@example.com", "Wi-Fi Co/North #2", "caf\u00e9"})
    void identifierTextUpTo64CharactersIsKeptAsIs(String text) {
        assertEquals(text, Money.requireText(text, "customerRef"));
        assertEquals("x".repeat(64), Money.requireText("x".repeat(64), "f"));
        assertThrows(WalletException.InvalidField.class, () -> Money.requireText("x".repeat(65), "f"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "auth0|5f7c8ec7c33c6c004bbafe82",
                "0b6e8f3e-3c0f-4b5e-9d8a-2f1d7c5a9e41",
                "alice@example.com",
                "service-account-x",
                "a",
                "with inner  spaces",
                "O'Brien;\"\\<>",
                "caf\u00e9 \ud83d\udcb3"
            })
    void tokenSubjectsAreOwnerIdsAsTheyAre(String subject) {
        assertEquals(subject, Money.requireOwnerId(subject));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(
            strings = {
                " ",
                " alice",
                "alice ",
                "alice\n",
                "\talice",
                "\u00a0alice", // no-break space
                "alice\u3000", // ideographic space
                "a\u0000b",
                "a\u001fb",
                "a\u007fb",
                "a\u0085b", // C1 control
                "a\ud83db", // unpaired high surrogate
                "a\udcb3" // unpaired low surrogate
            })
    void ownerIdsWithControlsUnpairedSurrogatesOrOuterWhitespaceAreRefused(String subject) {
        assertThrows(WalletException.InvalidField.class, () -> Money.requireOwnerId(subject));
    }

    @Test
    void ownerIdsAreUpTo255CodePoints() {
        assertEquals(255, Money.requireOwnerId("x".repeat(255)).length());
        String emoji = "\ud83d\udcb3".repeat(255); // 255 code points, 510 chars
        assertEquals(emoji, Money.requireOwnerId(emoji));
        assertThrows(WalletException.InvalidField.class, () -> Money.requireOwnerId("x".repeat(256)));
        assertThrows(WalletException.InvalidField.class, () -> Money.requireOwnerId(emoji + "x"));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -100, Money.MAX_AMOUNT + 1})
    void aBillPaymentRequestRefusesBadAmounts(long amount) {
        assertThrows(WalletException.AmountOutOfRange.class, () -> new BillPaymentRequest("wifi", "ACC-1", amount));
    }
}
