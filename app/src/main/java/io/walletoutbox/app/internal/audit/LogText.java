package io.walletoutbox.app.internal.audit;

/**
 * Text from outside (a token's subject, an operator's reason, a client's value) made safe for one log line: control
 * characters, line and paragraph separators and bidirectional formatting characters are written as {@code \n},
 * {@code \t} or {@code \}{@code uXXXX}, and a backslash as two, so a value can neither start a forged log line nor
 * hide what follows it. Everything else is kept.
 */
public final class LogText {
    private LogText() {}

    /** {@code text} escaped for a log line; null stays null. */
    public static String escape(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String replacement = replacement(c);
            if (replacement != null && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (out != null) {
                if (replacement != null) {
                    out.append(replacement);
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? text : out.toString();
    }

    private static String replacement(char c) {
        return switch (c) {
            case '\\' -> "\\\\";
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            default ->
                Character.isISOControl(c) || Character.getType(c) == Character.FORMAT || c == '\u2028' || c == '\u2029'
                        ? String.format("\\u%04x", (int) c)
                        : null;
        };
    }
}
