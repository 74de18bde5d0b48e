-- A wallet's owner id is the `sub` of its owner's OAuth access token: an arbitrary string of the issuer's making
-- (`auth0|5f7c…`, UUIDs, e-mail addresses, `service-account-x`). Money.requireOwnerId checks it first; the database
-- refuses what no issuer should send: more than 255 characters, control characters (C0, DEL, C1), and leading or
-- trailing whitespace. (PostgreSQL text cannot hold NUL at all.)
ALTER TABLE account DROP CONSTRAINT account_owner_id_check;
ALTER TABLE account ADD CONSTRAINT owner_id_is_token_subject CHECK (
    length(owner_id) BETWEEN 1 AND 255
    AND owner_id !~ '[\x01-\x1F\x7F-\x9F]'
    AND owner_id !~ '^[[:space:]]|[[:space:]]$'
);

-- Ownership decides who may read and spend a wallet, and callers check it before they act: so an account never
-- changes owner, kind or currency. `UPDATE OF` makes the trigger fire only when a statement names one of these
-- columns, so the balance updates of every payment do not pay for it.
CREATE FUNCTION account_identity_is_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.id, NEW.kind, NEW.owner_id, NEW.currency, NEW.bucket)
       IS DISTINCT FROM (OLD.id, OLD.kind, OLD.owner_id, OLD.currency, OLD.bucket) THEN
        RAISE EXCEPTION 'account %: id, kind, owner, currency and bucket never change', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER account_identity_guard BEFORE UPDATE OF id, kind, owner_id, currency, bucket ON account
    FOR EACH ROW EXECUTE FUNCTION account_identity_is_immutable();
