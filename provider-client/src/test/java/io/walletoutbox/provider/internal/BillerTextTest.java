package io.walletoutbox.provider.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.provider.BillerOutcome;
import org.junit.jupiter.api.Test;

class BillerTextTest {

    @Test
    void controlFormatAndLoneSurrogateCharactersAreRemovedAndWhiteSpaceCollapsed() {
        assertEquals(
                "unknown customer ACC-1",
                BillerText.clean("\u0000unknown\u001b[0m\r\n\tcustomer \u202eACC-1\ud800 ", 500)
                        .replace("[0m", ""));
        assertEquals("a b", BillerText.clean("  a \u00a0\u2028 b  ", 10));
        assertEquals("", BillerText.clean("\u0000\u0007\n", 10));
        assertNull(BillerText.clean(null, 10));
    }

    @Test
    void longTextIsCutToTheBoundInCodePointsWithAnEllipsis() {
        String cut = BillerText.clean("x".repeat(800), 500);
        assertEquals(500, cut.codePointCount(0, cut.length()));
        assertTrue(cut.endsWith("…"));
        String emoji = "😀".repeat(300); // two UTF-16 units each
        String cutEmoji = BillerText.clean(emoji, 200);
        assertEquals(200, cutEmoji.codePointCount(0, cutEmoji.length()));
        assertEquals("abc", BillerText.clean("abc", 3), "text at the bound is kept whole");
    }

    @Test
    void outcomesCleanWhatTheBillerSaid() {
        assertEquals("pay_1", new BillerOutcome.Paid("pay\u0000_1\n").reference());
        assertThrows(IllegalArgumentException.class, () -> new BillerOutcome.Paid("\u0000\u0001"));
        assertEquals("declined", new BillerOutcome.Declined("\u0000").reason());
        assertEquals("declined", new BillerOutcome.Declined(null).reason());
        String reason = new BillerOutcome.Declined("r".repeat(2000)).reason();
        assertTrue(reason.length() <= BillerText.MAX_REASON);
        String ref = new BillerOutcome.Paid("p".repeat(2000)).reference();
        assertTrue(ref.length() <= BillerText.MAX_REFERENCE);
    }
}
