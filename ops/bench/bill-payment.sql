-- The SQL transaction of POST /wallets/{id}/bill-payments, statement for statement (see PostgresIdempotencyKeys
-- and PostgresWallets.requestBillPayment), for pgbench -M prepared. Variables: :wallet and :clearing come from
-- bench_wallet, filled by payments-bench.sh with the wallets the HTTP run created.
\set n random(1, :wallets)
SELECT wallet::text AS wallet, clearing::text AS clearing, owner, wallet::text || '/' || left(encode(sha256(convert_to(owner, 'UTF8')), 'hex'), 32) AS scope
  FROM bench_wallet WHERE n = :n \gset
BEGIN;
SELECT pg_try_advisory_xact_lock(1, hashtext(:scope || gen_random_uuid()::text));
DELETE FROM idempotency_key WHERE scope = :scope AND key = 'bench' AND expires_at <= now();
SELECT fingerprint, response_status, response_content_type, response_body FROM idempotency_key
  WHERE scope = :scope AND key = gen_random_uuid()::text;
UPDATE account SET balance = balance - 1,
       spend_day = greatest(spend_day, current_date),
       spend_amount = CASE WHEN spend_day >= current_date THEN spend_amount ELSE 0 END + 1
  WHERE id = :wallet::uuid AND kind = 'WALLET' AND balance >= 1
    AND CASE WHEN spend_day >= current_date THEN spend_amount ELSE 0 END <= 999999999999
    AND (CAST(:owner AS text) IS NULL OR owner_id = :owner)
  RETURNING currency, balance;
UPDATE account SET balance = balance + 1 WHERE id = :clearing::uuid;
INSERT INTO bill_payment (id, wallet_id, clearing_account, biller, customer_ref, amount, currency, status, created_at)
  VALUES (gen_random_uuid(), :wallet::uuid, :clearing::uuid, 'wifi', 'ACC-1001', 1, 'USD', 'PENDING', now());
INSERT INTO transfer (id, kind, reference, debit_account, credit_account, amount, currency, created_at)
  VALUES (gen_random_uuid(), 'BILL_PAYMENT', gen_random_uuid(), :wallet::uuid, :clearing::uuid, 1, 'USD', now());
INSERT INTO outbox_event (event_id, shard, aggregate_type, aggregate_id, event_type, topic, payload, headers, created_at)
  VALUES (gen_random_uuid(), abs(hashtext(:wallet)) % 64, 'Wallet', :wallet, 'BillPaymentRequested', 'wallet.events',
          '{"paymentId":"' || gen_random_uuid() || '","walletId":"' || :wallet
            || '","biller":"wifi","customerRef":"ACC-1001","amount":1,"currency":"USD"}',
          CAST('{}' AS jsonb), now());
INSERT INTO idempotency_key (scope, key, fingerprint, response_status, response_content_type, response_body, expires_at)
  VALUES (:scope, gen_random_uuid()::text, repeat('f', 64), 202, 'application/json',
          convert_to(repeat('x', 380), 'UTF8'), now() + 86400000 * interval '1 millisecond');
COMMIT;
