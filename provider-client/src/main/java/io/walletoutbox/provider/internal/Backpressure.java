package io.walletoutbox.provider.internal;

/**
 * When the poll loop pauses and resumes fetching. Records held up by a failing dependency (a biller that is down,
 * and the records of the same wallets queued behind them) do not count against {@code maxInFlight}: they are
 * bounded by {@code maxHeld} instead, so one biller's outage leaves room to fetch, and pay, the other billers'
 * payments, while memory stays bounded.
 */
final class Backpressure {
    enum Decision {
        PAUSE,
        RESUME,
        STAY
    }

    private Backpressure() {}

    /**
     * @param paused whether fetching is paused now
     * @param inFlight records fetched and not finished
     * @param held those of them held up by a failing dependency
     */
    static Decision decide(boolean paused, int inFlight, int held, int maxInFlight, int maxHeld) {
        int active = inFlight - held;
        if (!paused) {
            return active >= maxInFlight || inFlight >= maxHeld ? Decision.PAUSE : Decision.STAY;
        }
        boolean activeLow = active < maxInFlight / 2 + 1;
        boolean totalLow = inFlight < Math.max(maxHeld - maxInFlight / 2, 1);
        return activeLow && totalLow ? Decision.RESUME : Decision.STAY;
    }
}
