package io.walletoutbox.app.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonTest {
    record Body(String name, Long amount) {}

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"amount\":1.5}|field 'amount' must be a whole number",
                "{\"amount\":\"5\"}|field 'amount' must be a whole number",
                "{\"amount\":99999999999999999999}|field 'amount' is out of range",
                "{\"name\":5}|field 'name' must be a string",
                "{\"admin\":true}|unknown field 'admin'",
                "{\"name\":\"a\",\"name\":\"b\"}|a field appears twice",
                "{\"name\":|malformed JSON",
                "[1]|the request body must be one JSON object",
                "{\"name\":\"a\"} {}|the request body must be one JSON object"
            })
    void errorsSayWhatToChangeWithoutLibraryInternals(String body, String expected) {
        ApiException e =
                assertThrows(ApiException.class, () -> Json.read(body.getBytes(StandardCharsets.UTF_8), Body.class));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
        for (String internal : new String[] {"Cannot", "Coercion", "java.", "jackson", "`", "Source"}) {
            assertFalse(e.getMessage().contains(internal), e.getMessage());
        }
    }
}
