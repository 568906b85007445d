import type { Knex } from "knex";
import { asLocationId } from "../../inventory/domain/location-id.js";
import type { RoutingRule, RoutingRuleSpec } from "../../reservations/domain/routing-rule.js";
import type { RoutingRuleStore, RuleSaveConflict } from "../../reservations/application/routing-rule-store.port.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction } from "./knex-unit-of-work.js";
import { bindings, toDate } from "./row-values.js";

const COLUMNS = `rule_id, channel, region, priority, warehouses, max_locations, description, version, updated_at, updated_by`;

interface RuleRow {
  rule_id: string;
  channel: string;
  region: string;
  priority: number;
  warehouses: Array<{ location_id: string; safety_stock: number }> | string;
  max_locations: number;
  description: string;
  version: number;
  updated_at: Date | string;
  updated_by: string;
}

/** {@link RoutingRuleStore} over `routing_rules` (migration 0018). */
export class KnexRoutingRules implements RoutingRuleStore {
  constructor(private readonly knex: Knex) {}

  async applicable(tx: Transaction, channel: string, region: string): Promise<RoutingRule[]> {
    const { rows } = await knexTransaction(tx).raw<{ rows: RuleRow[] }>(
      `SELECT ${COLUMNS} FROM routing_rules WHERE channel IN (?, '') AND region IN (?, '') ORDER BY channel, region, priority`,
      [channel, region],
    );
    return rows.map(toRule);
  }

  async list(): Promise<RoutingRule[]> {
    const { rows } = await this.knex.raw<{ rows: RuleRow[] }>(`SELECT ${COLUMNS} FROM routing_rules ORDER BY channel, region, priority`);
    return rows.map(toRule);
  }

  async get(ruleId: string): Promise<RoutingRule | undefined> {
    const { rows } = await this.knex.raw<{ rows: RuleRow[] }>(`SELECT ${COLUMNS} FROM routing_rules WHERE rule_id = ?`, [ruleId]);
    return rows[0] ? toRule(rows[0]) : undefined;
  }

  async put(spec: RoutingRuleSpec, expectedVersion: number | undefined, actor: string, at: Date): Promise<RoutingRule | RuleSaveConflict> {
    try {
      return await this.knex.transaction(async (trx) => {
        const { rows: current } = await trx.raw<{ rows: Array<{ version: number }> }>(`SELECT version FROM routing_rules WHERE rule_id = ? FOR UPDATE`, [spec.ruleId]);
        const currentVersion = current[0]?.version ?? 0;
        if (expectedVersion !== undefined && expectedVersion !== currentVersion) return { kind: "version_mismatch", currentVersion } as const;
        const taken = await this.holderOf(trx, spec);
        if (taken) return { kind: "priority_taken", otherRuleId: taken } as const;
        const { rows } = await trx.raw<{ rows: RuleRow[] }>(
          `INSERT INTO routing_rules (${COLUMNS})
           VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?::timestamptz, ?)
           ON CONFLICT (rule_id) DO UPDATE SET channel = EXCLUDED.channel, region = EXCLUDED.region, priority = EXCLUDED.priority,
             warehouses = EXCLUDED.warehouses, max_locations = EXCLUDED.max_locations, description = EXCLUDED.description,
             version = EXCLUDED.version, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
           RETURNING ${COLUMNS}`,
          bindings(
            spec.ruleId, spec.channel, spec.region, spec.priority,
            JSON.stringify(spec.warehouses.map((w) => ({ location_id: w.locationId, safety_stock: w.safetyStock }))),
            spec.maxLocations, spec.description, currentVersion + 1, at.toISOString(), actor,
          ),
        );
        return toRule(rows[0]!);
      });
    } catch (error) {
      // Two operators put rules of one scope and priority at once: the unique constraint decides.
      if ((error as { constraint?: string }).constraint !== "routing_rules_one_per_priority") throw error;
      const taken = await this.holderOf(this.knex, spec);
      return { kind: "priority_taken", otherRuleId: taken ?? "another rule" };
    }
  }

  async delete(ruleId: string): Promise<RoutingRule | undefined> {
    const { rows } = await this.knex.raw<{ rows: RuleRow[] }>(`DELETE FROM routing_rules WHERE rule_id = ? RETURNING ${COLUMNS}`, [ruleId]);
    return rows[0] ? toRule(rows[0]) : undefined;
  }

  async unknownLocations(locationIds: readonly string[]): Promise<string[]> {
    const { rows } = await this.knex.raw<{ rows: Array<{ location_id: string }> }>(
      `SELECT l.location_id FROM unnest(?::text[]) AS l(location_id)
       WHERE NOT EXISTS (SELECT 1 FROM inventory i WHERE i.location_id = l.location_id COLLATE "C")`,
      bindings([...locationIds]),
    );
    return rows.map((row) => row.location_id);
  }

  private async holderOf(db: Knex | Knex.Transaction, spec: RoutingRuleSpec): Promise<string | undefined> {
    const { rows } = await db.raw<{ rows: Array<{ rule_id: string }> }>(
      `SELECT rule_id FROM routing_rules WHERE channel = ? AND region = ? AND priority = ? AND rule_id <> ?`,
      [spec.channel, spec.region, spec.priority, spec.ruleId],
    );
    return rows[0]?.rule_id;
  }
}

function toRule(row: RuleRow): RoutingRule {
  const warehouses = typeof row.warehouses === "string" ? (JSON.parse(row.warehouses) as Exclude<RuleRow["warehouses"], string>) : row.warehouses;
  return {
    ruleId: row.rule_id,
    channel: row.channel,
    region: row.region,
    priority: Number(row.priority),
    warehouses: warehouses.map((w) => ({ locationId: asLocationId(w.location_id), safetyStock: Number(w.safety_stock) })),
    maxLocations: Number(row.max_locations),
    description: row.description,
    version: Number(row.version),
    updatedAt: toDate(row.updated_at),
    updatedBy: row.updated_by,
  };
}
