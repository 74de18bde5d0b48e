package io.walletoutbox.provider.internal;

import io.walletoutbox.provider.DeadLetterReason;
import io.walletoutbox.provider.ProviderException;
import java.sql.SQLException;

/** A record that can never be processed, whatever the number of attempts, and why. */
final class PermanentFailure extends ProviderException {
    private final DeadLetterReason reason;

    PermanentFailure(DeadLetterReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    DeadLetterReason reason() {
        return reason;
    }

    /**
     * True when {@code e} carries a database refusal that no retry changes: SQLSTATE class {@code 22} (data
     * exception: a value too long, out of range, a NUL in text) or {@code 23} (integrity constraint violation), but
     * not {@code 23505} (a unique violation, which a concurrent writer may cause).
     */
    static boolean isLedgerRefusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql) {
                for (SQLException s = sql; s != null; s = s.getNextException()) {
                    String state = s.getSQLState();
                    if (state != null && !state.equals("23505") && (state.startsWith("22") || state.startsWith("23"))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
