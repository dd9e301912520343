-- Expand only: old releases keep working while this one rolls out.
ALTER TABLE orders ADD COLUMN IF NOT EXISTS total_cents bigint;
