-- The minimal dual write, the floor any outbox-based payment endpoint stands on, for pgbench -M prepared: in one
-- transaction the guarded debit, the payment row, the outbox row and the idempotency row, as plain statements
-- (BEGIN, four writes, COMMIT: six round trips), with no ledger transfer, no clearing account, no daily limit, no
-- owner check and no idempotency lookup. Variables: :wallets; bench_wallet is filled by payments-bench.sh.
-- The debit is of bench_wallet.balance (a copy of the wallet's balance), not of account.balance: the ledger's
-- database constraint (wallet migration V6) refuses at commit any account balance change without its transfer, and
-- this floor, by definition, has no ledger.
\set n random(1, :wallets)
BEGIN;
UPDATE bench_wallet SET balance = balance - 1 WHERE n = :n AND balance >= 1;
INSERT INTO bill_payment (id, wallet_id, clearing_account, biller, customer_ref, amount, currency, status, created_at)
SELECT gen_random_uuid(), wallet, clearing, 'wifi', 'ACC-1001', 1, 'USD', 'PENDING', now()
  FROM bench_wallet WHERE n = :n;
INSERT INTO outbox_event (event_id, shard, aggregate_type, aggregate_id, event_type, topic, payload, headers, created_at)
SELECT gen_random_uuid(), abs(hashtext(wallet::text)) % 64, 'Wallet', wallet::text, 'BillPaymentRequested',
       'wallet.events', '{"paymentId":"' || gen_random_uuid() || '","walletId":"' || wallet
           || '","biller":"wifi","customerRef":"ACC-1001","amount":1,"currency":"USD"}',
       CAST('{}' AS jsonb), now()
  FROM bench_wallet WHERE n = :n;
INSERT INTO idempotency_key (scope, key, fingerprint, response_status, response_content_type, response_body, expires_at)
VALUES (:n || '/bench', gen_random_uuid()::text, repeat('f', 64), 202, 'application/json',
        convert_to(repeat('x', 380), 'UTF8'), now() + interval '1 day');
COMMIT;
