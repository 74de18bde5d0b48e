package io.walletoutbox.app.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TraceContextTest {
    private static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void acceptsOnlyVersionZeroValuesWithNonZeroIds() {
        assertTrue(TraceContext.isValid(VALID));
        assertFalse(TraceContext.isValid("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), "zero trace id");
        assertFalse(TraceContext.isValid("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"), "zero parent");
        assertFalse(TraceContext.isValid("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"), "upper case");
        assertFalse(TraceContext.isValid("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), "version ff");
        assertFalse(TraceContext.isValid(VALID + "-extra"), "trailing fields");
        assertFalse(TraceContext.isValid(""), "empty");
    }

    @Test
    void generatedValuesAreValidSampledAndDistinct() {
        String a = TraceContext.generate();
        String b = TraceContext.generate();
        assertTrue(TraceContext.isValid(a), a);
        assertTrue(a.endsWith("-01"), "sampled: " + a);
        assertNotEquals(TraceContext.traceId(a), TraceContext.traceId(b));
    }

    @Test
    void traceIdIsTheSecondField() {
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", TraceContext.traceId(VALID));
    }
}
