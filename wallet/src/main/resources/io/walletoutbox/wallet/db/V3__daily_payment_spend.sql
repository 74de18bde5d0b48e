-- The per-wallet daily bill-payment limit (WalletConfig.dailyPaymentLimit, DAILY_PAYMENT_LIMIT) needs "how much
-- has this wallet paid today". It is kept as a counter on the wallet's own row rather than summed from bill_payment
-- or kept in a table of its own, because that row is already written, and locked, by both statements involved:
-- - the guarded debit of a payment adds the amount (resetting the counter when the day changed) and refuses, in the
--   same UPDATE's WHERE, to pass the limit. One statement, no extra round trip, no extra row lock, no new lock
--   order, race-free: concurrent debits of one wallet queue on its row lock and re-check the WHERE on the newest
--   row, exactly as the balance guard does;
-- - the refund of a declined payment subtracts the amount if the payment was made on the counter's day.
-- A sum over bill_payment would cost a second statement and grow with the wallet's payments of the day; a separate
-- table would cost a second statement, a second row lock to order against the wallet's, and rows to purge.
-- spend_day is the UTC day (of the paying service's clock, which also stamps bill_payment.created_at) that
-- spend_amount counts; NULL until the wallet first pays; it never goes back (with clocks that disagree around
-- midnight, a lagging instance's payment counts against the newer day).
ALTER TABLE account ADD COLUMN spend_day date;
ALTER TABLE account ADD COLUMN spend_amount bigint NOT NULL DEFAULT 0;
ALTER TABLE account ADD CONSTRAINT spend_amount_bounded CHECK (spend_amount BETWEEN 0 AND 1000000000000000);
ALTER TABLE account ADD CONSTRAINT spend_only_on_wallets
    CHECK (kind = 'WALLET' OR (spend_day IS NULL AND spend_amount = 0));
ALTER TABLE account ADD CONSTRAINT spend_has_day CHECK (spend_day IS NOT NULL OR spend_amount = 0);

-- Count the payments already made today, so the limit holds from the first payment after the upgrade.
UPDATE account a
SET spend_day = today.day, spend_amount = least(today.total, 1000000000000000)
FROM (SELECT p.wallet_id, (now() AT TIME ZONE 'UTC')::date AS day, sum(p.amount) AS total
      FROM bill_payment p
      WHERE p.status IN ('PENDING', 'SUCCEEDED')
        AND p.created_at >= ((now() AT TIME ZONE 'UTC')::date)::timestamp AT TIME ZONE 'UTC'
      GROUP BY p.wallet_id) today
WHERE a.id = today.wallet_id;
