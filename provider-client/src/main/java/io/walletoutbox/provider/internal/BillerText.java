package io.walletoutbox.provider.internal;

/**
 * Cleans text that comes from a biller (a decline reason, a payment reference) or an operator before it can reach
 * the ledger: control and format characters (NUL, escape sequences, bidirectional overrides) and unpaired
 * surrogates are removed, line breaks and tabs become spaces, runs of white space collapse to one, and the result
 * is cut to a number of code points (PostgreSQL's {@code length()} counts code points, not UTF-16 units). The
 * bounds are the wallet ledger's: {@code provider_reference} 1..200, {@code failure_reason} 1..500 characters.
 */
public final class BillerText {
    /** The longest provider reference the ledger accepts. */
    public static final int MAX_REFERENCE = 200;

    /** The longest failure reason the ledger accepts. */
    public static final int MAX_REASON = 500;

    private BillerText() {}

    /** {@code text} cleaned and cut to {@code maxCodePoints} (an ellipsis marks a cut); null stays null. */
    public static String clean(String text, int maxCodePoints) {
        if (text == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), maxCodePoints * 2));
        boolean space = false;
        int kept = 0;
        boolean cut = false;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
                space = kept > 0;
                continue;
            }
            int type = Character.getType(cp);
            if (type == Character.CONTROL
                    || type == Character.FORMAT
                    || type == Character.SURROGATE
                    || type == Character.UNASSIGNED
                    || type == Character.PRIVATE_USE) {
                continue;
            }
            int needed = space ? 2 : 1;
            if (kept + needed > maxCodePoints) {
                cut = true;
                break;
            }
            if (space) {
                out.append(' ');
                kept++;
                space = false;
            }
            out.appendCodePoint(cp);
            kept++;
        }
        if (cut && maxCodePoints > 1) {
            // Replace the last code point by an ellipsis so a reader knows the text was longer.
            int last = out.offsetByCodePoints(out.length(), -1);
            out.setLength(last);
            if (!out.isEmpty() && out.charAt(out.length() - 1) == ' ') {
                out.setLength(out.length() - 1);
            }
            out.append('…');
        }
        return out.toString();
    }

    /** A provider reference as the ledger stores it; null or empty when nothing printable is left. */
    public static String reference(String text) {
        return clean(text, MAX_REFERENCE);
    }

    /** A failure reason as the ledger stores it; {@code fallback} when nothing printable is left. */
    public static String reason(String text, String fallback) {
        String cleaned = clean(text, MAX_REASON);
        return cleaned == null || cleaned.isEmpty() ? fallback : cleaned;
    }
}
