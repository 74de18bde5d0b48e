package io.walletoutbox.app.internal.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class LogTextTest {

    @Test
    void controlCharactersCannotForgeOrHideALogLine() {
        assertEquals(
                "alice\\n2026-01-01 INFO admin action actor=root",
                LogText.escape("alice\n2026-01-01 INFO admin action actor=root"));
        assertEquals("a\\r\\tb\\u001b[31m", LogText.escape("a\r\tb\u001b[31m"));
        assertEquals("evil\\u202egnp.exe", LogText.escape("evil\u202egnp.exe"));
        assertEquals("x\\u2028y\\u0000", LogText.escape("x\u2028y\u0000"));
        assertEquals("back\\\\slash", LogText.escape("back\\slash"));
    }

    @Test
    void printableTextIsKeptAsItIs() {
        String text = "Zoë paid 5 € — ok";
        assertSame(text, LogText.escape(text));
        assertNull(LogText.escape(null));
    }
}
