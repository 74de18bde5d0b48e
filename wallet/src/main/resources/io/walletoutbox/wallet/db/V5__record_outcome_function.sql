-- A biller's definite outcome for a bill payment in ONE round trip: the consumer's inbox row (processed-once), the
-- payment's transition PENDING → SUCCEEDED | FAILED, its settlement or refund transfer and the follow-up event, as
-- PostgresWallets.recordOutcome writes them statement for statement, in one function called in a transaction of its
-- own (autocommit). Locks are taken in the ledger's order: payment → wallet → clearing → settlement.
--
-- Answers (nothing but the inbox row is written unless RECORDED):
--   DUPLICATE  the inbox has the event already (nothing written)
--   UNCHANGED  the payment is terminal already (only the inbox row is written, as the old path did)
--   RECORDED   the payment was settled or refunded
-- Errors roll everything back, the inbox row included: a missing payment raises SQLSTATE P0002 (no_data_found); a
-- pending payment of another wallet than p_wallet (whose shard the caller computed) raises WOWAL, and the caller
-- then takes the statement-by-statement path.
--
-- The event's payload is built here as EventPayloads builds it (paymentId, walletId, amount, currency, then the
-- outcome's field, which the caller renders: p_payload_tail is `,"providerReference":"…"}` or `,"reason":"…"}`).
CREATE FUNCTION wallet_record_outcome(
    -- the processed-once guard: the consumer's inbox entry, or NULLs for none
    p_inbox_consumer     text,
    p_inbox_event        uuid,
    p_payment            uuid,
    p_wallet             uuid,
    p_paid               boolean,
    p_reference          text,    -- paid: the biller's reference
    p_reason             text,    -- declined: the reason
    p_now                timestamptz,
    p_transfer           uuid,
    p_bucket             integer, -- the wallet's system-account bucket (SystemAccounts.bucketOf)
    p_new_settlement     uuid,    -- an id for the settlement account should it not exist yet
    -- the BillPaymentSucceeded / BillPaymentFailed event (outbox_append's arguments)
    p_outbox_mode        text,
    p_outbox_prefix      text,
    p_event_id           uuid,
    p_shard              integer,
    p_aggregate_type     text,
    p_event_type         text,
    p_topic              text,
    p_payload_tail       text,
    p_headers            jsonb,
    OUT outcome          text
) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_pay        bill_payment%ROWTYPE;
    v_settlement uuid;
    v_refunded   integer;
BEGIN
    IF p_inbox_consumer IS NOT NULL AND NOT inbox_mark_processed(p_inbox_consumer, p_inbox_event) THEN
        outcome := 'DUPLICATE';
        RETURN;
    END IF;
    -- The row lock makes concurrent outcomes for one payment take turns; the second sees it terminal.
    SELECT * INTO v_pay FROM bill_payment p WHERE p.id = p_payment FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'payment % does not exist', p_payment USING ERRCODE = 'no_data_found';
    END IF;
    IF v_pay.status <> 'PENDING' THEN
        outcome := 'UNCHANGED';
        RETURN;
    END IF;
    IF v_pay.wallet_id <> p_wallet THEN
        -- The caller's shard is of another aggregate: write nothing, not even the inbox row.
        RAISE EXCEPTION 'payment % is of wallet %, not %', p_payment, v_pay.wallet_id, p_wallet
            USING ERRCODE = 'WOWAL';
    END IF;
    -- Lock the wallet before appending, so this wallet's events get outbox positions in commit order.
    PERFORM 1 FROM account a WHERE a.id = v_pay.wallet_id FOR NO KEY UPDATE;
    UPDATE bill_payment p SET status = CASE WHEN p_paid THEN 'SUCCEEDED' ELSE 'FAILED' END,
           provider_reference = CASE WHEN p_paid THEN p_reference END,
           failure_reason = CASE WHEN p_paid THEN NULL ELSE p_reason END,
           completed_at = p_now
     WHERE p.id = p_payment AND p.status = 'PENDING';
    IF NOT FOUND THEN -- impossible under the row lock taken above; never settle twice silently
        RAISE EXCEPTION 'payment % is no longer PENDING', p_payment;
    END IF;
    IF p_paid THEN
        -- The settlement account of this currency and bucket, created on first use.
        SELECT a.id INTO v_settlement FROM account a
         WHERE a.kind = 'BILLER_SETTLEMENT' AND a.currency = v_pay.currency AND a.bucket = p_bucket;
        IF NOT FOUND THEN
            -- ON CONFLICT waits for a concurrent creator and then does nothing; the SELECT then sees its row.
            INSERT INTO account (id, kind, currency, bucket)
            VALUES (p_new_settlement, 'BILLER_SETTLEMENT', v_pay.currency, p_bucket)
            ON CONFLICT (kind, currency, bucket) WHERE kind <> 'WALLET' DO NOTHING;
            SELECT a.id INTO STRICT v_settlement FROM account a
             WHERE a.kind = 'BILLER_SETTLEMENT' AND a.currency = v_pay.currency AND a.bucket = p_bucket;
        END IF;
        UPDATE account a SET balance = a.balance - v_pay.amount WHERE a.id = v_pay.clearing_account;
        UPDATE account a SET balance = a.balance + v_pay.amount WHERE a.id = v_settlement;
        INSERT INTO transfer (id, kind, reference, debit_account, credit_account, amount, currency, created_at)
        VALUES (p_transfer, 'SETTLEMENT', p_payment, v_pay.clearing_account, v_settlement, v_pay.amount,
                v_pay.currency, p_now);
    ELSE
        -- The refund: wallet first (lock order), then clearing. It frees the amount from the daily limit if the
        -- payment counts on the wallet's counter (made on the counter's UTC day); never below zero.
        UPDATE account a SET balance = a.balance + v_pay.amount,
               spend_amount = CASE WHEN a.spend_day = (v_pay.created_at AT TIME ZONE 'UTC')::date
                                   THEN greatest(a.spend_amount - v_pay.amount, 0)
                                   ELSE a.spend_amount END
         WHERE a.id = v_pay.wallet_id;
        GET DIAGNOSTICS v_refunded = ROW_COUNT;
        IF v_refunded <> 1 THEN -- the foreign key makes this impossible; never drop a refund silently
            RAISE EXCEPTION 'wallet % of payment % is missing', v_pay.wallet_id, p_payment;
        END IF;
        UPDATE account a SET balance = a.balance - v_pay.amount WHERE a.id = v_pay.clearing_account;
        INSERT INTO transfer (id, kind, reference, debit_account, credit_account, amount, currency, created_at)
        VALUES (p_transfer, 'REFUND', p_payment, v_pay.clearing_account, v_pay.wallet_id, v_pay.amount,
                v_pay.currency, p_now);
    END IF;
    PERFORM outbox_append(p_outbox_mode, p_outbox_prefix, p_event_id, p_shard, p_aggregate_type,
                          v_pay.wallet_id::text, p_event_type, p_topic,
                          '{"paymentId":"' || v_pay.id || '","walletId":"' || v_pay.wallet_id || '","amount":'
                              || v_pay.amount || ',"currency":"' || v_pay.currency || '"' || p_payload_tail,
                          p_headers, p_now);
    outcome := 'RECORDED';
END;
$$;
