import type { Knex } from "knex";

/**
 * Predictive low-stock alerts: each stock record's depletion estimate (`low_stock_estimates`: the
 * exponentially weighted sum of its outbound units and when it was taken, available and version as of
 * the last change applied, the alert open on it), every alert raised or cleared (`low_stock_alerts`,
 * kept, queryable) and where the estimator is in the event stream (`low_stock_position`, one row,
 * moved in the transaction that saves the estimates, so a change is applied once).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE low_stock_estimates (
      sku text NOT NULL,
      location_id text NOT NULL,
      available bigint NOT NULL CHECK (available >= 0),
      version bigint NOT NULL CHECK (version >= 0),
      weight double precision NOT NULL CHECK (weight >= 0),
      weight_at timestamptz NOT NULL,
      since timestamptz NOT NULL,
      alert_event_id uuid,
      alert_raised_at timestamptz,
      alert_available bigint,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (sku, location_id),
      CHECK ((alert_event_id IS NULL) = (alert_raised_at IS NULL) AND (alert_event_id IS NULL) = (alert_available IS NULL))
    )`);
  await knex.raw(`CREATE INDEX low_stock_estimates_running_low ON low_stock_estimates (sku, location_id) WHERE alert_event_id IS NOT NULL`);
  await knex.raw(`
    CREATE TABLE low_stock_alerts (
      event_id uuid PRIMARY KEY,
      type text NOT NULL CHECK (type IN ('StockRunningLow', 'StockRunningLowCleared')),
      sku text NOT NULL,
      location_id text NOT NULL,
      available bigint NOT NULL,
      rate_per_hour double precision NOT NULL CHECK (rate_per_hour >= 0),
      expected_stockout_at timestamptz,
      horizon_ms bigint NOT NULL CHECK (horizon_ms > 0),
      half_life_ms bigint NOT NULL CHECK (half_life_ms > 0),
      stock_version bigint NOT NULL,
      at timestamptz NOT NULL,
      reason text CHECK (reason IN ('restocked', 'demand_eased')),
      raised_event_id uuid REFERENCES low_stock_alerts (event_id),
      CHECK ((type = 'StockRunningLow') = (reason IS NULL) AND (type = 'StockRunningLow') = (raised_event_id IS NULL))
    )`);
  await knex.raw(`CREATE INDEX low_stock_alerts_record ON low_stock_alerts (sku, location_id, at)`);
  await knex.raw(`
    CREATE TABLE low_stock_position (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      position bigint NOT NULL CHECK (position >= 0),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
  await knex.raw(`INSERT INTO low_stock_position (position) VALUES (0)`);
}

/** Drops the three tables. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE low_stock_position`);
  await knex.raw(`DROP TABLE low_stock_alerts`);
  await knex.raw(`DROP TABLE low_stock_estimates`);
}
