/**
 * The reconciliation comparison: ONE statement over the staged snapshot, set-based whatever its size.
 * Its bindings come from {@link snapshotJudgementBindings}.
 *
 * - `lines`: the snapshot's lines; for a complete snapshot also every record of the locations it
 *   names that it leaves out, counted as 0 at taken_at.
 * - `theirs`: the count net of local shipments it does not include yet (shipped less than the settle
 *   margin before the line was counted), floored at 0: exactly what a WMS count would set on_hand to.
 * - `tracked`: the record exists here and is on the new path (legacy and shadow records are legacy's).
 * - `in_flight`: a WMS count or movement (or an override, or an earlier snapshot) observed after the
 *   line already changed the record: it is not judged.
 *
 * Output: one `totals` row (records and SKUs judged, lines not tracked), then, in record order, one
 * row per judged record whose on_hand differs (`mismatch`) and per tracked record in flight (`in_flight`).
 */
export const SNAPSHOT_JUDGEMENT = `
WITH lines AS (
  SELECT l.sku, l.location_id, l.counted, l.observed_at
  FROM reconciliation_snapshot_lines l WHERE l.run_id = ?
  UNION ALL
  SELECT i.sku, i.location_id, 0, ?::timestamptz
  FROM inventory i
  WHERE ?::boolean
    AND i.location_id IN (SELECT DISTINCT x.location_id FROM reconciliation_snapshot_lines x WHERE x.run_id = ?)
    AND NOT EXISTS (SELECT 1 FROM reconciliation_snapshot_lines x WHERE x.run_id = ? AND x.sku = i.sku AND x.location_id = i.location_id)
),
unsettled AS (
  SELECT p.sku, p.location_id, sum(p.quantity) AS units
  FROM lines l JOIN pending_shipments p ON p.sku = l.sku AND p.location_id = l.location_id
  WHERE p.shipped_at + make_interval(secs => ?::double precision) > l.observed_at
  GROUP BY p.sku, p.location_id
),
judged AS MATERIALIZED (
  SELECT l.sku, l.location_id, l.counted, l.observed_at, i.on_hand, i.reserved, i.version,
         GREATEST(l.counted - coalesce(u.units, 0), 0) AS theirs,
         (i.sku IS NOT NULL AND coalesce(r.path, 'new') = 'new') AS tracked,
         coalesce(GREATEST(i.last_observed_at, i.last_move_observed_at) > l.observed_at, false) AS in_flight
  FROM lines l
  LEFT JOIN inventory i ON i.sku = l.sku AND i.location_id = l.location_id
  LEFT JOIN sku_routes r ON r.sku = l.sku AND r.location_id = l.location_id
  LEFT JOIN unsettled u ON u.sku = l.sku AND u.location_id = l.location_id
)
SELECT 'totals' AS row_kind, NULL::text AS sku, NULL::text AS location_id, NULL::text AS counted, NULL::timestamptz AS observed_at,
       NULL::text AS on_hand, NULL::text AS reserved, NULL::text AS version, NULL::text AS theirs,
       (count(*) FILTER (WHERE tracked AND NOT in_flight))::text AS compared,
       (count(DISTINCT sku) FILTER (WHERE tracked AND NOT in_flight))::text AS skus,
       (count(*) FILTER (WHERE NOT tracked))::text AS not_tracked
FROM judged
UNION ALL
SELECT CASE WHEN in_flight THEN 'in_flight' ELSE 'mismatch' END, sku, location_id, counted::text, observed_at,
       on_hand::text, reserved::text, version::text, theirs::text, NULL, NULL, NULL
FROM judged
WHERE tracked AND (in_flight OR on_hand <> theirs)
ORDER BY 2 NULLS FIRST, 3`;

/** The bindings of {@link SNAPSHOT_JUDGEMENT}, in order. */
export function snapshotJudgementBindings(run: { id: number; takenAt: Date; complete: boolean }, settleSeconds: number): Array<string | number | boolean> {
  return [run.id, run.takenAt.toISOString(), run.complete, run.id, run.id, settleSeconds];
}
