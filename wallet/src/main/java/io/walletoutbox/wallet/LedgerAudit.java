package io.walletoutbox.wallet;

import java.util.List;
import java.util.UUID;

/**
 * The ledger checked against invariants I1 and I2, in one snapshot: every account's balance equals its credits minus
 * its debits recomputed from every transfer, and so does the running total the database keeps of them ({@code
 * account.entries}, which its constraint compares with the balance at every commit); all balances sum to zero
 * (money is only moved, never made; with one amount per transfer, its debits equal its credits by construction);
 * each biller clearing account holds exactly the amounts of its {@code PENDING} payments; and no wallet is negative.
 *
 * @param accounts number of accounts
 * @param transfers number of transfers
 * @param sumOfBalances the sum of every account's balance; zero when money is conserved
 * @param outOfBalance accounts whose balance differs from the sum of their entries
 * @param negative accounts other than the funding source with a negative balance
 * @param entriesDrift accounts whose {@code entries} column differs from the sum of their entries (the database's
 *     own bookkeeping was bypassed: triggers disabled, or {@code session_replication_role = replica})
 * @param clearingMismatch biller clearing accounts whose balance differs from the sum of the amounts of the {@code
 *     PENDING} payments that hold their money there
 */
public record LedgerAudit(
        long accounts,
        long transfers,
        long sumOfBalances,
        List<UUID> outOfBalance,
        List<UUID> negative,
        List<UUID> entriesDrift,
        List<UUID> clearingMismatch) {
    public LedgerAudit {
        outOfBalance = List.copyOf(outOfBalance);
        negative = List.copyOf(negative);
        entriesDrift = List.copyOf(entriesDrift);
        clearingMismatch = List.copyOf(clearingMismatch);
    }

    /**
     * The number of differences found: one per account listed in each list (an account can be counted in several),
     * plus one when the balances do not sum to zero. Zero when every invariant holds.
     */
    public long differences() {
        return outOfBalance.size()
                + negative.size()
                + entriesDrift.size()
                + clearingMismatch.size()
                + (sumOfBalances == 0 ? 0 : 1);
    }

    /** True when every invariant holds. */
    public boolean consistent() {
        return differences() == 0;
    }
}
