-- I1 enforced by the database: an account's balance changes only together with its transfers. A transaction that
-- moves a balance without inserting the transfers that explain it (a raw `UPDATE account SET balance = balance + …`,
-- a bug that forgets the transfer), or inserts a transfer without moving the balances, is refused at COMMIT.
--
-- How: `account.entries` is the account's credits minus its debits, kept by the database alone:
--   - an AFTER INSERT trigger on transfer adds the amount to the credit account's entries and subtracts it from the
--     debit account's (transfers are immutable, V1, so insert is the only event);
--   - no one else may change entries: a statement that names the column outside a trigger is refused at once, and
--     an account starts at zero;
--   - a DEFERRABLE INITIALLY DEFERRED constraint trigger re-reads the account at COMMIT and refuses the transaction
--     when balance <> entries (SQLSTATE 23514 check_violation, constraint account_balance_is_its_entries).
-- The check is deferred because every path changes a balance and inserts its transfer in separate statements
-- (PostgresWallets; the functions of V4 and V5): between the two, balance and entries differ by design. Its WHEN
-- clause is evaluated at the moment of each change (PostgreSQL does not defer it), so an event is queued only by a
-- change that leaves the row out of step; the change that brings it back queues nothing. A legitimate transaction
-- thus costs, per transfer, one extra row update on each of its two accounts (already locked by the balance
-- updates, so no new lock and no new lock order) and one primary-key read per account at commit.
--
-- Limits (docs/architecture.md, "The ledger's invariants in the database"): SET CONSTRAINTS … IMMEDIATE only makes
-- the check run after each statement, which refuses the legitimate paths too and never skips it; but the table's
-- owner can disable triggers, and a superuser can also skip them with session_replication_role = replica (as it
-- skips foreign keys). The runtime role must therefore not own these tables (least privilege, I10); the periodic
-- ledger audit (LEDGER_AUDIT_INTERVAL) recomputes every balance from the transfers and alerts on any difference.

ALTER TABLE account ADD COLUMN entries bigint NOT NULL DEFAULT 0;

-- The migration holds account's ACCESS EXCLUSIVE lock from the statement above: no transfer can be inserted (its
-- foreign keys lock account rows) until it commits, so the sums below stay true.
UPDATE account a
SET entries = e.total
FROM (SELECT t.account, sum(t.delta)::bigint AS total
      FROM (SELECT credit_account AS account, amount::numeric AS delta FROM transfer
            UNION ALL
            SELECT debit_account, -amount::numeric FROM transfer) t
      GROUP BY t.account) e
WHERE a.id = e.account;

DO $$
DECLARE
    v_count    bigint;
    v_examples text;
BEGIN
    SELECT count(*) INTO v_count FROM account WHERE balance <> entries;
    IF v_count > 0 THEN
        SELECT string_agg(format('%s (balance %s, transfers %s)', id, balance, entries), ', ')
          INTO v_examples
          FROM (SELECT id, balance, entries FROM account WHERE balance <> entries ORDER BY id LIMIT 5) x;
        RAISE EXCEPTION 'the ledger is already inconsistent (I1): % account(s) have a balance other than the sum of'
            ' their transfers, e.g. %. Nothing was changed; find how they diverged and correct them with transfers'
            ' before this migration can run (docs/operations.md, "Ledger audit")', v_count, v_examples
            USING ERRCODE = 'check_violation';
    END IF;
END;
$$;

CREATE FUNCTION transfer_posts_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Both rows are locked already in every path (each balance is updated before its transfer is inserted).
    UPDATE account SET entries = entries - NEW.amount WHERE id = NEW.debit_account;
    UPDATE account SET entries = entries + NEW.amount WHERE id = NEW.credit_account;
    RETURN NULL;
END;
$$;
CREATE TRIGGER transfer_posts_entries AFTER INSERT ON transfer
    FOR EACH ROW EXECUTE FUNCTION transfer_posts_entries();

CREATE FUNCTION account_entries_are_posted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'account %: entries is the sum of its transfers, kept by the database; insert a transfer instead',
        NEW.id USING ERRCODE = 'restrict_violation';
END;
$$;
-- pg_trigger_depth() is 0 for a statement a client sent (also from inside a function or a DO block) and 1 for the
-- update made by transfer_posts_entries. `UPDATE OF entries` fires only for statements naming the column.
CREATE TRIGGER account_entries_guard BEFORE UPDATE OF entries ON account
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION account_entries_are_posted();
CREATE TRIGGER account_entries_start_at_zero BEFORE INSERT ON account
    FOR EACH ROW WHEN (NEW.entries <> 0) EXECUTE FUNCTION account_entries_are_posted();

CREATE FUNCTION account_balance_is_its_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_balance bigint;
    v_entries bigint;
BEGIN
    -- The row as this transaction leaves it (NEW is the row as it was when the event was queued).
    SELECT a.balance, a.entries INTO v_balance, v_entries FROM account a WHERE a.id = NEW.id;
    IF FOUND AND v_balance <> v_entries THEN
        RAISE EXCEPTION 'account %: the balance would be % but its transfers sum to % (I1): a balance changes only'
            ' with the transfer that moves the money', NEW.id, v_balance, v_entries
            USING ERRCODE = 'check_violation', CONSTRAINT = 'account_balance_is_its_entries', TABLE = 'account';
    END IF;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER account_balance_is_its_entries AFTER INSERT OR UPDATE OF balance, entries ON account
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.balance <> NEW.entries) EXECUTE FUNCTION account_balance_is_its_entries();
