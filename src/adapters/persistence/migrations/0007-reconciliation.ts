import type { Knex } from "knex";

/**
 * Reconciliation (issue 5): runs and their staged snapshot lines; `discrepancies` extended with the
 * `count_mismatch` kind, the statuses `auto_resolved` and `dismissed`, who resolved it and why; and
 * the append-only `audit_log`, which a trigger keeps append-only: UPDATE and TRUNCATE always fail,
 * DELETE fails unless the transaction set `invsync.audit_retention = 'on'` (the retention job does).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE reconciliation_runs (
      id            bigserial   PRIMARY KEY,
      source        text        NOT NULL CHECK (source IN ('api', 'file', 'pull')),
      wms_id        text        NOT NULL,
      snapshot_ref  text        NOT NULL DEFAULT '',
      taken_at      timestamptz NOT NULL,
      complete      boolean     NOT NULL DEFAULT false,
      status        text        NOT NULL DEFAULT 'receiving' CHECK (status IN ('receiving', 'completed', 'failed')),
      requested_by  text        NOT NULL,
      scheduled_for date,
      lines         bigint      NOT NULL DEFAULT 0 CHECK (lines >= 0),
      result        jsonb,
      failure       text        NOT NULL DEFAULT '',
      created_at    timestamptz NOT NULL DEFAULT now(),
      finished_at   timestamptz,
      CONSTRAINT reconciliation_runs_finished CHECK ((status = 'receiving') = (finished_at IS NULL)),
      CONSTRAINT reconciliation_runs_result CHECK ((status = 'completed') = (result IS NOT NULL))
    )`);
  // One scheduled run per day across replicas; a failed one may be tried again.
  await knex.raw(`CREATE UNIQUE INDEX reconciliation_runs_daily ON reconciliation_runs (scheduled_for) WHERE status <> 'failed'`);

  // The staged snapshot: one line per record and run, dropped when the run completes or fails.
  await knex.raw(`
    CREATE TABLE reconciliation_snapshot_lines (
      run_id      bigint      NOT NULL REFERENCES reconciliation_runs (id) ON DELETE CASCADE,
      sku         text        COLLATE "C" NOT NULL,
      location_id text        COLLATE "C" NOT NULL,
      counted     bigint      NOT NULL CHECK (counted >= 0),
      observed_at timestamptz NOT NULL,
      PRIMARY KEY (run_id, sku, location_id)
    )`);

  await knex.raw(`
    ALTER TABLE discrepancies
      DROP CONSTRAINT discrepancies_kind_known,
      DROP CONSTRAINT discrepancies_status_known,
      DROP CONSTRAINT discrepancies_resolved_when_closed,
      ADD COLUMN run_id bigint REFERENCES reconciliation_runs (id),
      ADD COLUMN resolved_by text NOT NULL DEFAULT '',
      ADD COLUMN note text NOT NULL DEFAULT '',
      ADD COLUMN stock_version bigint NOT NULL DEFAULT 0,
      ADD CONSTRAINT discrepancies_kind_known CHECK (kind IN ('shortfall', 'count_mismatch')),
      ADD CONSTRAINT discrepancies_status_known CHECK (status IN ('open', 'auto_resolved', 'resolved', 'dismissed')),
      ADD CONSTRAINT discrepancies_resolved_when_closed CHECK ((status = 'open') = (resolved_at IS NULL)),
      ADD CONSTRAINT discrepancies_resolution_when_closed CHECK (status = 'open' OR resolution IS NOT NULL)`);
  await knex.raw(`CREATE INDEX discrepancies_by_record ON discrepancies (sku, location_id, id)`);
  await knex.raw(`CREATE INDEX discrepancies_by_run ON discrepancies (run_id, id) WHERE run_id IS NOT NULL`);

  await knex.raw(`
    CREATE TABLE audit_log (
      id          bigserial   PRIMARY KEY,
      at          timestamptz NOT NULL,
      actor       text        NOT NULL,
      role        text        NOT NULL CHECK (role IN ('viewer', 'operator', 'system')),
      action      text        NOT NULL,
      sku         text        COLLATE "C",
      location_id text        COLLATE "C",
      before      jsonb,
      after       jsonb,
      reason      text        NOT NULL DEFAULT '',
      note        text        NOT NULL DEFAULT '',
      request_id  text        NOT NULL DEFAULT '',
      details     jsonb       NOT NULL DEFAULT '{}'
    )`);
  await knex.raw(`CREATE INDEX audit_log_by_sku ON audit_log (sku, at, id) WHERE sku IS NOT NULL`);
  await knex.raw(`CREATE INDEX audit_log_by_time ON audit_log (at, id)`);
  await knex.raw(`
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND current_setting('invsync.audit_retention', true) = 'on' THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'audit_log is append-only: % refused (only the retention job deletes)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END $$`);
  await knex.raw(`CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
  await knex.raw(`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
}

/** Drops what {@link up} added and restores issue 4's constraints (count mismatches go). */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE IF EXISTS audit_log`);
  await knex.raw(`DROP FUNCTION IF EXISTS audit_log_append_only()`);
  await knex.raw(`DELETE FROM discrepancies WHERE kind <> 'shortfall'`);
  await knex.raw(`UPDATE discrepancies SET status = 'resolved' WHERE status NOT IN ('open', 'resolved')`);
  await knex.raw(`DROP INDEX IF EXISTS discrepancies_by_record, discrepancies_by_run`);
  await knex.raw(`
    ALTER TABLE discrepancies
      DROP CONSTRAINT discrepancies_kind_known,
      DROP CONSTRAINT discrepancies_status_known,
      DROP CONSTRAINT discrepancies_resolved_when_closed,
      DROP CONSTRAINT discrepancies_resolution_when_closed,
      DROP COLUMN run_id, DROP COLUMN resolved_by, DROP COLUMN note, DROP COLUMN stock_version,
      ADD CONSTRAINT discrepancies_kind_known CHECK (kind IN ('shortfall')),
      ADD CONSTRAINT discrepancies_status_known CHECK (status IN ('open', 'resolved')),
      ADD CONSTRAINT discrepancies_resolved_when_closed CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))`);
  await knex.raw(`DROP TABLE IF EXISTS reconciliation_snapshot_lines, reconciliation_runs`);
}
