-- Only in images built with BROKEN=migration: fails, so the release stops before the service changes.
ALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES customers (id);
