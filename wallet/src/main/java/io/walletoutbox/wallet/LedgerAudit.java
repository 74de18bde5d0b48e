package io.walletoutbox.wallet;

import java.util.List;
import java.util.UUID;

/**
 * The ledger checked against invariants I1 and I2: every account's balance equals its credits minus its debits,
 * all balances sum to zero (money is only moved, never made), and no wallet is negative.
 *
 * @param accounts number of accounts
 * @param transfers number of transfers
 * @param sumOfBalances the sum of every account's balance; zero when money is conserved
 * @param outOfBalance accounts whose balance differs from the sum of their entries
 * @param negative accounts other than the funding source with a negative balance
 */
public record LedgerAudit(
        long accounts, long transfers, long sumOfBalances, List<UUID> outOfBalance, List<UUID> negative) {
    public LedgerAudit {
        outOfBalance = List.copyOf(outOfBalance);
        negative = List.copyOf(negative);
    }

    /** True when every invariant holds. */
    public boolean consistent() {
        return sumOfBalances == 0 && outOfBalance.isEmpty() && negative.isEmpty();
    }
}
