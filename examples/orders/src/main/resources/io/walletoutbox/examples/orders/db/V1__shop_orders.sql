-- The shop's own table. Unqualified, like the outbox's: it lands in the schema the connection's search path names
-- first (currentSchema=shop, see ShopDatabase). Its name carries the shop's prefix, shop_.
CREATE TABLE shop_orders (
    order_id     text        PRIMARY KEY CHECK (length(order_id) BETWEEN 1 AND 64),
    customer     text        NOT NULL CHECK (length(customer) BETWEEN 1 AND 200),
    amount_cents bigint      NOT NULL CHECK (amount_cents > 0),
    placed_at    timestamptz NOT NULL DEFAULT now(),
    cancelled_at timestamptz CHECK (cancelled_at >= placed_at)
);
