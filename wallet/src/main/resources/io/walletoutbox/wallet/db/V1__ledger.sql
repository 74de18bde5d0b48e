-- The wallet's ledger. Double entry: every transfer moves one positive amount from one account to another in one
-- currency, and both balances change in the transaction that inserts it. The database enforces what it can; the
-- Java code is the second line.

-- Accounts: user wallets and, per currency, system accounts. TOP_UP_FUNDING is where top-up money comes from (its balance
-- is minus all money ever topped up, the only account allowed below zero); BILLER_CLEARING holds the money of
-- pending payments; BILLER_SETTLEMENT the money of paid ones. System accounts are split into buckets (chosen from
-- the wallet id) so that concurrent payments of different wallets do not all queue on one hot row.
CREATE TABLE account (
    id         uuid        PRIMARY KEY,
    kind       text        NOT NULL CHECK (kind IN ('WALLET', 'TOP_UP_FUNDING', 'BILLER_CLEARING', 'BILLER_SETTLEMENT')),
    owner_id   text        CHECK (length(owner_id) BETWEEN 1 AND 64),
    bucket     integer     CHECK (bucket >= 0),
    currency   char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    balance    bigint      NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- the target of the transfers' (account, currency) foreign keys: both sides of a transfer in its currency
    UNIQUE (id, currency),
    CONSTRAINT wallet_has_owner CHECK ((kind = 'WALLET') = (owner_id IS NOT NULL)),
    CONSTRAINT system_has_bucket CHECK ((kind = 'WALLET') = (bucket IS NULL)),
    -- I2: no wallet (nor clearing or settlement account) is ever negative
    CONSTRAINT balance_not_negative CHECK (kind = 'TOP_UP_FUNDING' OR balance >= 0),
    -- Money.MAX_AMOUNT bounds every wallet balance
    CONSTRAINT wallet_balance_bounded CHECK (kind <> 'WALLET' OR balance <= 1000000000000000)
);
CREATE UNIQUE INDEX account_system ON account (kind, currency, bucket) WHERE kind <> 'WALLET';

-- Transfers: immutable (see the triggers below). `seq` orders a wallet's entries: every transfer that touches a
-- wallet is inserted after that wallet's row is locked, so one wallet's seq order is its commit order and keyset
-- pages over seq are stable under concurrent inserts.
CREATE TABLE transfer (
    id             uuid        PRIMARY KEY,
    seq            bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    kind           text        NOT NULL CHECK (kind IN ('TOP_UP', 'BILL_PAYMENT', 'SETTLEMENT', 'REFUND')),
    reference      uuid        NOT NULL,
    debit_account  uuid        NOT NULL,
    credit_account uuid        NOT NULL,
    amount         bigint      NOT NULL CHECK (amount > 0 AND amount <= 1000000000000000),
    currency       char(3)     NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (debit_account <> credit_account),
    -- same currency on both sides: both accounts must hold the transfer's currency
    FOREIGN KEY (debit_account, currency) REFERENCES account (id, currency),
    FOREIGN KEY (credit_account, currency) REFERENCES account (id, currency),
    -- I3: a payment is debited once, settled at most once, refunded at most once; a top-up credited once
    UNIQUE (kind, reference)
);
CREATE INDEX transfer_debit ON transfer (debit_account, seq);
CREATE INDEX transfer_credit ON transfer (credit_account, seq);

CREATE FUNCTION transfer_is_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'transfers are immutable: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER transfer_no_update_or_delete BEFORE UPDATE OR DELETE ON transfer
    FOR EACH ROW EXECUTE FUNCTION transfer_is_immutable();
CREATE TRIGGER transfer_no_truncate BEFORE TRUNCATE ON transfer
    FOR EACH STATEMENT EXECUTE FUNCTION transfer_is_immutable();

-- Bill payments: PENDING -> SUCCEEDED | FAILED, nothing else (the trigger below), each with the clearing account
-- its money went to, so settlement and refund use the same one whatever the bucket count becomes.
CREATE TABLE bill_payment (
    id                 uuid        PRIMARY KEY,
    wallet_id          uuid        NOT NULL,
    clearing_account   uuid        NOT NULL,
    biller             text        NOT NULL CHECK (length(biller) BETWEEN 1 AND 64),
    customer_ref       text        NOT NULL CHECK (length(customer_ref) BETWEEN 1 AND 64),
    amount             bigint      NOT NULL CHECK (amount > 0 AND amount <= 1000000000000000),
    currency           char(3)     NOT NULL,
    status             text        NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED')),
    provider_reference text        CHECK (length(provider_reference) BETWEEN 1 AND 200),
    failure_reason     text        CHECK (length(failure_reason) BETWEEN 1 AND 500),
    created_at         timestamptz NOT NULL,
    completed_at       timestamptz,
    FOREIGN KEY (wallet_id, currency) REFERENCES account (id, currency),
    FOREIGN KEY (clearing_account, currency) REFERENCES account (id, currency),
    CHECK ((status = 'PENDING') = (completed_at IS NULL)),
    CHECK ((status = 'SUCCEEDED') = (provider_reference IS NOT NULL)),
    CHECK ((status = 'FAILED') = (failure_reason IS NOT NULL))
);
CREATE INDEX bill_payment_wallet ON bill_payment (wallet_id, created_at);
CREATE INDEX bill_payment_pending ON bill_payment (created_at) WHERE status = 'PENDING';

CREATE FUNCTION bill_payment_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'bill payments are never deleted' USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status <> 'PENDING' OR NEW.status NOT IN ('SUCCEEDED', 'FAILED') THEN
        RAISE EXCEPTION 'bill payment %: % -> % is not allowed', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.id, NEW.wallet_id, NEW.clearing_account, NEW.biller, NEW.customer_ref, NEW.amount, NEW.currency,
        NEW.created_at)
       IS DISTINCT FROM (OLD.id, OLD.wallet_id, OLD.clearing_account, OLD.biller, OLD.customer_ref, OLD.amount,
        OLD.currency, OLD.created_at) THEN
        RAISE EXCEPTION 'bill payment %: only the outcome may change', OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER bill_payment_guard BEFORE UPDATE OR DELETE ON bill_payment
    FOR EACH ROW EXECUTE FUNCTION bill_payment_transition();

-- API idempotency keys (IETF Idempotency-Key draft), scoped (to a wallet today). A row is inserted in the same
-- transaction as the request's work and holds its response, so the two commit together or not at all: a committed
-- key always has its response, and a crash leaves no half-done key behind. Rows live until `expires_at`.
CREATE TABLE idempotency_key (
    scope                 text        NOT NULL CHECK (length(scope) BETWEEN 1 AND 200),
    key                   text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint           text        NOT NULL CHECK (length(fingerprint) BETWEEN 1 AND 200),
    response_status       integer     NOT NULL CHECK (response_status BETWEEN 100 AND 599),
    response_content_type text        NOT NULL,
    response_body         bytea       NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    expires_at            timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_key_expiry ON idempotency_key (expires_at);
