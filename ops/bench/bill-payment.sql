-- The SQL of POST /wallets/{id}/bill-payments, for pgbench -M prepared: since the request became one call of the
-- server-side function wallet_request_bill_payment (wallet migrations V4 and V7; see BillPaymentFunction),
-- the endpoint's whole transaction is this one statement in autocommit, one round trip, with the arguments a
-- typical request binds (a fresh Idempotency-Key, the payload and the ~380-byte response split at the currency).
-- The wallet, its owner and the key's scope come from bench_wallet (filled by payments-bench.sh with the wallets of
-- the HTTP run), read in the same statement so that pgbench, too, makes one round trip per payment.
\set n random(1, :wallets)
SELECT r.outcome
  FROM bench_wallet b,
       LATERAL wallet_request_bill_payment(
           p_lock_class => 1464626507, p_lock_object => hashtext(gen_random_uuid()::text),
           p_scope => b.wallet::text || '/' || left(encode(sha256(convert_to(b.owner, 'UTF8')), 'hex'), 32),
           p_key => gen_random_uuid()::text, p_fingerprint => repeat('f', 64), p_retention_ms => 86400000,
           p_wallet => b.wallet, p_owner => b.owner, p_amount => 1, p_day => CAST(now() AT TIME ZONE 'UTC' AS date),
           p_limit => 1000000000000, p_bucket => abs(hashtext(b.wallet::text)) % 16,
           p_new_clearing => gen_random_uuid(),
           p_payment => gen_random_uuid(), p_transfer => gen_random_uuid(), p_biller => 'wifi',
           p_customer_ref => 'ACC-1001', p_now => now(),
           p_outbox_mode => 'TABLE', p_outbox_prefix => 'walletoutbox.outbox', p_event_id => gen_random_uuid(),
           p_shard => abs(hashtext(b.wallet::text)) % 64, p_aggregate_type => 'Wallet',
           p_event_type => 'BillPaymentRequested', p_topic => 'wallet.events',
           p_payload_before => '{"paymentId":"' || gen_random_uuid() || '","walletId":"' || b.wallet
               || '","biller":"wifi","customerRef":"ACC-1001","amount":1,"currency":"',
           p_payload_after => '"}',
           p_headers => CAST('{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}' AS jsonb),
           p_status => 202, p_content_type => 'application/json',
           p_body_before => convert_to(repeat('x', 150) || '"currency":"', 'UTF8'),
           p_body_after => convert_to('"' || repeat('x', 225), 'UTF8')) r
 WHERE b.n = :n;
