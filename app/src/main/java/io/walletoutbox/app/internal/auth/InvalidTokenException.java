package io.walletoutbox.app.internal.auth;

/** A bearer token that is missing, malformed, expired, not yet valid, or not signed by a trusted key. */
public final class InvalidTokenException extends RuntimeException {
    public InvalidTokenException(String message) {
        super(message);
    }
}
