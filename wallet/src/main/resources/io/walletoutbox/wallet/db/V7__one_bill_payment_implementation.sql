-- One implementation of the bill payment: the request's money movement (guarded debit, clearing, payment, transfer,
-- BillPaymentRequested event) moves out of wallet_request_bill_payment into wallet_bill_payment, which every path
-- calls: wallet_request_bill_payment (the idempotent request in one round trip, autocommit) around the key's advisory
-- lock, lookup and stored response, and the Java API's caller's-transaction path (Wallets.requestBillPayment with a
-- Handle) on the caller's connection, inside its open transaction. wallet_request_bill_payment keeps its signature
-- and its behaviour, statement for statement; the outcome already has one implementation (wallet_record_outcome, V5,
-- which the caller's-transaction path calls with NULLs for the inbox entry).
--
-- wallet_bill_payment writes nothing unless it answers EXECUTED: a refusal (missing or foreign wallet, short balance,
-- daily limit) returns before any write, leaving the caller's transaction usable. p_outbox_mode NULL says the outbox
-- writer's gate refuses writes right now: the refusals still answer as they do, and a payment that would be made
-- raises SQLSTATE 22023 (invalid_parameter_value) instead, so the caller's transaction is aborted and commits nothing.
CREATE FUNCTION wallet_bill_payment(
    -- the guarded debit; p_owner NULL = any owner
    p_wallet             uuid,
    p_owner              text,
    p_amount             bigint,
    p_day                date,
    p_limit              bigint,
    -- the clearing account's bucket, and an id for it should it not exist yet (SystemAccounts)
    p_bucket             integer,
    p_new_clearing       uuid,
    -- the payment, its transfer, the time stamping both
    p_payment            uuid,
    p_transfer           uuid,
    p_biller             text,
    p_customer_ref       text,
    p_now                timestamptz,
    -- the BillPaymentRequested event (outbox_append's arguments; mode NULL: writes refused), its payload split at
    -- the currency
    p_outbox_mode        text,
    p_outbox_prefix      text,
    p_event_id           uuid,
    p_shard              integer,
    p_aggregate_type     text,
    p_event_type         text,
    p_topic              text,
    p_payload_before     text,
    p_payload_after      text,
    p_headers            jsonb,
    -- EXECUTED | WALLET_NOT_FOUND | INSUFFICIENT_FUNDS | DAILY_LIMIT
    OUT outcome          text,
    OUT wallet_currency  text,    -- EXECUTED: the wallet's
    OUT wallet_balance   bigint,  -- EXECUTED: after the debit; INSUFFICIENT_FUNDS, DAILY_LIMIT: as found
    OUT spent_today      bigint   -- INSUFFICIENT_FUNDS, DAILY_LIMIT: the day's payments so far
) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_clearing uuid;
BEGIN
    -- The guarded debit: balance, daily limit and owner in one statement, locking the wallet row until commit
    -- (the lock that orders this wallet's events). used + amount <= limit is written without overflow.
    FOR attempt IN 1..2 LOOP
        UPDATE account a SET balance = a.balance - p_amount,
               spend_day = greatest(a.spend_day, p_day),
               spend_amount = CASE WHEN a.spend_day >= p_day THEN a.spend_amount ELSE 0 END + p_amount
         WHERE a.id = p_wallet AND a.kind = 'WALLET' AND a.balance >= p_amount
           AND CASE WHEN a.spend_day >= p_day THEN a.spend_amount ELSE 0 END <= p_limit - p_amount
           AND (p_owner IS NULL OR a.owner_id = p_owner)
        RETURNING a.currency, a.balance INTO wallet_currency, wallet_balance;
        EXIT WHEN FOUND;
        -- Refused: find out why under the row lock, so the answer cannot change before this transaction ends.
        SELECT a.balance, CASE WHEN a.spend_day >= p_day THEN a.spend_amount ELSE 0 END
          INTO wallet_balance, spent_today
          FROM account a
         WHERE a.id = p_wallet AND a.kind = 'WALLET' AND (p_owner IS NULL OR a.owner_id = p_owner)
        FOR NO KEY UPDATE;
        IF NOT FOUND THEN
            outcome := 'WALLET_NOT_FOUND';
            RETURN;
        ELSIF wallet_balance < p_amount THEN
            outcome := 'INSUFFICIENT_FUNDS';
            RETURN;
        ELSIF spent_today > p_limit - p_amount THEN
            outcome := 'DAILY_LIMIT';
            RETURN;
        ELSIF attempt = 2 THEN
            RAISE EXCEPTION 'wallet %: the guarded debit failed under its lock', p_wallet;
        END IF;
        -- A concurrent refund made room between the two statements; under the lock the debit now succeeds.
    END LOOP;
    IF p_outbox_mode IS NULL THEN
        RAISE EXCEPTION 'the outbox refuses writes: payment % of wallet % is not made', p_payment, p_wallet
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- The clearing account of this currency and bucket (lock order: wallet, then clearing), created on first use.
    UPDATE account a SET balance = a.balance + p_amount
     WHERE a.kind = 'BILLER_CLEARING' AND a.currency = CAST(wallet_currency AS char(3)) AND a.bucket = p_bucket
    RETURNING a.id INTO v_clearing;
    IF NOT FOUND THEN
        -- ON CONFLICT waits for a concurrent creator and then does nothing; the UPDATE then finds its row.
        INSERT INTO account (id, kind, currency, bucket) VALUES (p_new_clearing, 'BILLER_CLEARING', wallet_currency, p_bucket)
        ON CONFLICT (kind, currency, bucket) WHERE kind <> 'WALLET' DO NOTHING;
        UPDATE account a SET balance = a.balance + p_amount
         WHERE a.kind = 'BILLER_CLEARING' AND a.currency = CAST(wallet_currency AS char(3)) AND a.bucket = p_bucket
        RETURNING a.id INTO STRICT v_clearing;
    END IF;

    INSERT INTO bill_payment (id, wallet_id, clearing_account, biller, customer_ref, amount, currency, status,
                              created_at)
    VALUES (p_payment, p_wallet, v_clearing, p_biller, p_customer_ref, p_amount, wallet_currency, 'PENDING', p_now);
    INSERT INTO transfer (id, kind, reference, debit_account, credit_account, amount, currency, created_at)
    VALUES (p_transfer, 'BILL_PAYMENT', p_payment, p_wallet, v_clearing, p_amount, wallet_currency, p_now);
    -- After the wallet row is locked, so this wallet's events get outbox positions in commit order.
    PERFORM outbox_append(p_outbox_mode, p_outbox_prefix, p_event_id, p_shard, p_aggregate_type, p_wallet::text,
                          p_event_type, p_topic, p_payload_before || wallet_currency || p_payload_after, p_headers, p_now);
    outcome := 'EXECUTED';
END;
$$;

-- The idempotent request (V4), its money movement now wallet_bill_payment's. Same signature, same answers, same
-- writes in the same order.
CREATE OR REPLACE FUNCTION wallet_request_bill_payment(
    p_lock_class         integer,
    p_lock_object        integer,
    p_scope              text,
    p_key                text,
    p_fingerprint        text,
    p_retention_ms       bigint,
    p_wallet             uuid,
    p_owner              text,
    p_amount             bigint,
    p_day                date,
    p_limit              bigint,
    p_bucket             integer,
    p_new_clearing       uuid,
    p_payment            uuid,
    p_transfer           uuid,
    p_biller             text,
    p_customer_ref       text,
    p_now                timestamptz,
    p_outbox_mode        text,
    p_outbox_prefix      text,
    p_event_id           uuid,
    p_shard              integer,
    p_aggregate_type     text,
    p_event_type         text,
    p_topic              text,
    p_payload_before     text,
    p_payload_after      text,
    p_headers            jsonb,
    p_status             integer,
    p_content_type       text,
    p_body_before        bytea,
    p_body_after         bytea,
    OUT outcome          text,
    OUT wallet_currency  text,
    OUT wallet_balance   bigint,
    OUT spent_today      bigint,
    OUT stored_status    integer,
    OUT stored_content_type text,
    OUT stored_body      bytea
) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_found    boolean;
BEGIN
    -- The one request with this key in flight holds this lock until its transaction ends.
    IF NOT pg_try_advisory_xact_lock(p_lock_class, p_lock_object) THEN
        outcome := 'IN_FLIGHT';
        RETURN;
    END IF;
    SELECT k.fingerprint = p_fingerprint, k.response_status, k.response_content_type, k.response_body
      INTO v_found, stored_status, stored_content_type, stored_body
      FROM idempotency_key k
     WHERE k.scope = p_scope AND k.key = p_key AND k.expires_at > now();
    IF FOUND THEN
        outcome := CASE WHEN v_found THEN 'REPLAYED' ELSE 'FINGERPRINT_MISMATCH' END;
        IF NOT v_found THEN
            stored_status := NULL;
            stored_content_type := NULL;
            stored_body := NULL;
        END IF;
        RETURN;
    END IF;

    SELECT b.outcome, b.wallet_currency, b.wallet_balance, b.spent_today
      INTO outcome, wallet_currency, wallet_balance, spent_today
      FROM wallet_bill_payment(
               p_wallet => p_wallet, p_owner => p_owner, p_amount => p_amount, p_day => p_day, p_limit => p_limit,
               p_bucket => p_bucket, p_new_clearing => p_new_clearing,
               p_payment => p_payment, p_transfer => p_transfer, p_biller => p_biller,
               p_customer_ref => p_customer_ref, p_now => p_now,
               p_outbox_mode => p_outbox_mode, p_outbox_prefix => p_outbox_prefix, p_event_id => p_event_id,
               p_shard => p_shard, p_aggregate_type => p_aggregate_type, p_event_type => p_event_type,
               p_topic => p_topic, p_payload_before => p_payload_before, p_payload_after => p_payload_after,
               p_headers => p_headers) b;
    IF outcome <> 'EXECUTED' THEN -- a refusal wrote nothing
        RETURN;
    END IF;

    -- The key, with its response, commits with the payment or not at all. An expired row of the key goes first.
    DELETE FROM idempotency_key k WHERE k.scope = p_scope AND k.key = p_key AND k.expires_at <= now();
    INSERT INTO idempotency_key (scope, key, fingerprint, response_status, response_content_type, response_body,
                                 expires_at)
    VALUES (p_scope, p_key, p_fingerprint, p_status, p_content_type,
            p_body_before || convert_to(wallet_currency, 'UTF8') || p_body_after,
            now() + p_retention_ms * interval '1 millisecond');
END;
$$;
