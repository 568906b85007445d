import type { Knex } from "knex";
import type { SequenceGap, SequenceGaps } from "../../wms-ingestion/application/gap-monitor.js";

/**
 * {@link SequenceGaps} over the inbox. Each source's scan starts above its floor in
 * `wms_sequence_floors` (every sequence up to it has arrived), and the floor moves up to just below
 * the first gap, so the scan stays small however large the inbox grows. A source's first update
 * ever seen starts its sequence: nothing before it is a gap.
 */
export class KnexSequenceGaps implements SequenceGaps {
  constructor(private readonly knex: Knex) {}

  async find(wmsId: string | undefined, limit: number): Promise<SequenceGap[]> {
    return this.knex.transaction(async (trx) => {
      const { rows } = await trx.raw<{ rows: Array<{ wms_id: string; first_missing: string; last_missing: string | null }> }>(
        `WITH seqs AS (
           SELECT DISTINCT u.wms_id, u.sequence, f.contiguous_through
           FROM wms_updates u LEFT JOIN wms_sequence_floors f USING (wms_id)
           WHERE u.wms_id IS NOT NULL AND u.sequence IS NOT NULL AND (?::text IS NULL OR u.wms_id = ?::text)
             AND u.sequence > COALESCE(f.contiguous_through, 0)
         ), steps AS (
           SELECT wms_id, sequence, COALESCE(lag(sequence) OVER (PARTITION BY wms_id ORDER BY sequence), contiguous_through) AS prev
           FROM seqs
         )
         SELECT wms_id, (prev + 1)::text AS first_missing, (sequence - 1)::text AS last_missing FROM steps
         WHERE prev IS NOT NULL AND sequence > prev + 1
         UNION ALL
         SELECT wms_id, (max(sequence) + 1)::text, NULL FROM seqs GROUP BY wms_id
         ORDER BY 1, 2`,
        [wmsId ?? null, wmsId ?? null],
      );
      // Rows with last_missing NULL mark each source's highest sequence: the floor when it has no gap.
      const gaps = rows.filter((r) => r.last_missing !== null).map((r) => ({ wmsId: r.wms_id, firstMissing: BigInt(r.first_missing), lastMissing: BigInt(r.last_missing!) }));
      const floors = new Map<string, bigint>();
      for (const r of rows) if (r.last_missing === null) floors.set(r.wms_id, BigInt(r.first_missing) - 1n);
      for (const gap of gaps) if (gap.firstMissing - 1n < floors.get(gap.wmsId)!) floors.set(gap.wmsId, gap.firstMissing - 1n);
      if (floors.size > 0) {
        await trx.raw(
          `INSERT INTO wms_sequence_floors (wms_id, contiguous_through) SELECT * FROM unnest(?::text[], ?::bigint[])
           ON CONFLICT (wms_id) DO UPDATE SET contiguous_through = GREATEST(wms_sequence_floors.contiguous_through, EXCLUDED.contiguous_through)`,
          [[...floors.keys()], [...floors.values()].map(String)] as never,
        );
      }
      return gaps.slice(0, limit);
    });
  }
}
