-- The CDC relay's Debezium offsets (CdcConfig's default table; PostgresOffsetBackingStore creates it when absent).
-- Created here as well, so that a runtime role without CREATE on the schema can run the CDC relay; same definition.
CREATE TABLE IF NOT EXISTS relay_cdc_offset (
    engine     text        NOT NULL,
    key        bytea       NOT NULL,
    value      bytea,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (engine, key)
);
