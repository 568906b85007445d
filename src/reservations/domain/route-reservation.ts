import { PreconditionError } from "../../shared/errors.js";
import type { LocationId } from "../../inventory/domain/location-id.js";
import { availableOf, type StockLevel } from "../../inventory/domain/stock-level.js";
import type { RoutingRule } from "./routing-rule.js";

/** Part of a reservation: `quantity` held on the stock record `level`. */
export interface Allocation {
  readonly level: StockLevel;
  readonly quantity: number;
}

/** What one warehouse of a rule had when the rule was tried. */
export interface WarehouseView {
  readonly locationId: LocationId;
  /** False when the SKU has no stock record there (it counts as 0). */
  readonly hasRecord: boolean;
  readonly onHand: number;
  readonly reserved: number;
  readonly safetyStock: number;
  /** What the rule may take there: max(on_hand − reserved − safety_stock, 0). */
  readonly usable: number;
}

/** One rule tried for a refused reservation, and what its warehouses had. */
export interface RuleConsideration {
  readonly ruleId: string;
  readonly maxLocations: number;
  readonly warehouses: readonly WarehouseView[];
  /** The most this rule could have given (its best `maxLocations` warehouses together). */
  readonly mostPossible: number;
}

/** Where a routed reservation is held: the rule that chose and the parts. */
export interface RoutingChoice {
  readonly rule: RoutingRule;
  readonly allocations: readonly Allocation[];
}

/** What each warehouse of `rule` has for it, in the rule's order, from the SKU's locked records. */
export function warehouseViews(rule: RoutingRule, levels: readonly StockLevel[]): WarehouseView[] {
  const byLocation = new Map(levels.map((level) => [level.locationId as string, level]));
  return rule.warehouses.map(({ locationId, safetyStock }) => {
    const level = byLocation.get(locationId);
    const onHand = level?.onHand ?? 0;
    const reserved = level?.reserved ?? 0;
    return { locationId, hasRecord: level !== undefined, onHand, reserved, safetyStock, usable: Math.max(availableOf(onHand, reserved) - safetyStock, 0) };
  });
}

/**
 * Which warehouses serve `quantity` under a split limit, from what each may give (`usable`, in the
 * rule's order): the fewest warehouses that can cover it (at most `maxLocations`); among sets of
 * that size, the one that comes first in the rule's order; each chosen warehouse gives all it may,
 * in order, the last one the rest. Returns `[index, quantity]` pairs, or undefined when even the
 * best `maxLocations` warehouses together cannot cover it.
 */
export function splitAcross(usable: readonly number[], quantity: number, maxLocations: number): Array<[number, number]> | undefined {
  if (quantity <= 0) return [];
  const descending = [...usable].sort((a, b) => b - a);
  let size = 0;
  for (let total = 0; size < Math.min(maxLocations, descending.length); ) {
    total += descending[size]!;
    size++;
    if (total >= quantity) break;
  }
  if (mostOf(usable, maxLocations) < quantity) return undefined;
  const picked: Array<[number, number]> = [];
  let remaining = quantity;
  let slots = size;
  for (let i = 0; i < usable.length && remaining > 0; i++) {
    const here = usable[i]!;
    if (here === 0) continue;
    // Take this warehouse only if the rest can still be covered by the best of the later ones.
    if (here + mostOf(usable.slice(i + 1), slots - 1) < remaining) continue;
    const take = Math.min(here, remaining);
    picked.push([i, take]);
    remaining -= take;
    slots--;
  }
  return picked;
}

/** The sum of the `count` largest of `values`. */
export function mostOf(values: readonly number[], count: number): number {
  if (count <= 0) return 0;
  return [...values]
    .sort((a, b) => b - a)
    .slice(0, count)
    .reduce((sum, value) => sum + value, 0);
}

/**
 * Routes a reservation of `quantity` of `sku` that names no location by the applicable `rules`
 * (already in the order they are tried, see `applicableRules`): the first rule whose warehouses can
 * cover it, after their safety stock, within its split limit, chooses. When none can, throws
 * `RESERVATION.INSUFFICIENT_STOCK` listing every rule tried and what each of its warehouses had.
 *
 * @param levels the SKU's stock records, locked by the caller.
 */
export function routeReservation(sku: string, levels: readonly StockLevel[], quantity: number, rules: readonly RoutingRule[]): RoutingChoice {
  const considered: RuleConsideration[] = [];
  for (const rule of rules) {
    const views = warehouseViews(rule, levels);
    const usable = views.map((view) => view.usable);
    const split = splitAcross(usable, quantity, rule.maxLocations);
    if (split) {
      const byLocation = new Map(levels.map((level) => [level.locationId as string, level]));
      return { rule, allocations: split.map(([index, take]) => ({ level: byLocation.get(views[index]!.locationId)!, quantity: take })) };
    }
    considered.push({ ruleId: rule.ruleId, maxLocations: rule.maxLocations, warehouses: views, mostPossible: mostOf(usable, rule.maxLocations) });
  }
  throw routedInsufficientStock(sku, quantity, considered);
}

/**
 * The refusal of a routed reservation: FailedPrecondition `RESERVATION.INSUFFICIENT_STOCK` whose
 * message says, per rule tried, what each warehouse had, and whose metadata carries the same as
 * JSON (`considered`) beside `sku`, `requested`, `available` (the most any rule could give) and
 * `routing_rules` (the rule ids tried, in order).
 */
export function routedInsufficientStock(sku: string, requested: number, considered: readonly RuleConsideration[]): PreconditionError {
  const available = Math.max(0, ...considered.map((rule) => rule.mostPossible));
  const words = considered
    .map((rule) => {
      const split = rule.maxLocations === 1 ? "never split" : `split up to ${rule.maxLocations}`;
      const places = rule.warehouses.map((w) =>
        w.hasRecord ? `${w.locationId} ${w.usable} usable (on_hand ${w.onHand}, reserved ${w.reserved}, safety ${w.safetyStock})` : `${w.locationId} no stock record`,
      );
      return `rule "${rule.ruleId}" (${split}): ${places.join("; ")}`;
    })
    .join(" | ");
  const json = considered.map((rule) => ({
    rule_id: rule.ruleId,
    max_locations: rule.maxLocations,
    most_possible: rule.mostPossible,
    warehouses: rule.warehouses.map((w) => ({
      location_id: w.locationId,
      has_record: w.hasRecord,
      on_hand: w.onHand,
      reserved: w.reserved,
      safety_stock: w.safetyStock,
      usable: w.usable,
    })),
  }));
  return new PreconditionError(
    "RESERVATION.INSUFFICIENT_STOCK",
    `insufficient stock for SKU "${sku}" under its routing rules: requested ${requested}, available ${available}; ${words}`,
    {
      sku,
      location_id: "",
      requested: String(requested),
      available: String(available),
      routing_rules: considered.map((rule) => rule.ruleId).join(","),
      considered: JSON.stringify(json),
    },
  );
}
