/**
 * The floor's tables, in a database of its own: the inbox (one row per WMS update, deduplicated
 * by wms id and sequence), stock records (the last sequence applied guards each), the
 * ledger/outbox (one row per event: enough to publish it again after a crash) and one row per
 * committed request batch, marked once JetStream acknowledged all its events (as the service's
 * relay queue keeps a row per chunk of a transaction's events). No index but the keys: the
 * restart sweep that finds unpublished batches may scan.
 */
export const FLOOR_SCHEMA = `
CREATE TABLE IF NOT EXISTS floor_inbox (
  wms_id text COLLATE "C" NOT NULL,
  sequence bigint NOT NULL,
  batch_id text NOT NULL,
  batch_index int NOT NULL,
  sku text NOT NULL,
  location_id text NOT NULL,
  quantity bigint NOT NULL,
  observed_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (wms_id, sequence)
);
CREATE TABLE IF NOT EXISTS floor_stock (
  sku text COLLATE "C" NOT NULL,
  location_id text COLLATE "C" NOT NULL,
  on_hand bigint NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
  version bigint NOT NULL DEFAULT 0,
  last_sequence bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (sku, location_id)
);
CREATE TABLE IF NOT EXISTS floor_batches (
  id uuid PRIMARY KEY,
  published boolean NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS floor_outbox (
  event_id uuid PRIMARY KEY,
  batch_row uuid NOT NULL,
  wms_id text NOT NULL,
  sequence bigint NOT NULL,
  sku text NOT NULL,
  location_id text NOT NULL,
  delta bigint NOT NULL,
  on_hand bigint NOT NULL,
  version bigint NOT NULL,
  occurred_at timestamptz NOT NULL
);
`;
