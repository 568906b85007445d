import { fromJsonString } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { SnapshotCountSchema } from "../../../gen/invsync/inventory/v1/reconciliation_pb.js";
import type { SnapshotPage } from "../../reconciliation/application/snapshot-reconciliation.js";
import type { SnapshotLine } from "../../reconciliation/domain/snapshot-count.js";
import { ValidationError } from "../../shared/errors.js";
import { splitCsv } from "../../wms-ingestion/acl/wms-file-formats.js";

/** True for names of snapshot files: `*.snapshot.csv` or `*.snapshot.jsonl`. */
export function isSnapshotFileName(name: string): boolean {
  return /\.snapshot\.(csv|jsonl)$/i.test(name);
}

const CSV_COLUMNS = ["sku", "location_id", "quantity", "observed_at"] as const;
type Column = (typeof CSV_COLUMNS)[number];

/**
 * The pages of a snapshot file, `pageLines` lines each, streamed. CSV: a header naming the columns
 * `sku`, `location_id` (optional), `quantity`, `observed_at` in any order; JSON Lines: one
 * `invsync.inventory.v1.SnapshotCount` per line in its JSON (`{"sku":…,"locationId":…,"quantity":…,
 * "observedAt":…}`, unknown fields refused). Every line needs its `observed_at`; a page's `takenAt` is
 * the file's first line's. A line that cannot be read fails the whole file, naming it. The lines are
 * opened (`openLines`) only when the first page is asked for: a line reader opened earlier could
 * emit its lines before anyone listens, and they would be lost.
 */
export async function* snapshotPages(name: string, openLines: () => AsyncIterable<string>, pageLines: number): AsyncIterable<SnapshotPage> {
  const csv = /\.csv$/i.test(name);
  let columns: Column[] | undefined;
  let takenAt: Date | undefined;
  let page: SnapshotLine[] = [];
  let number = 0;
  for await (const text of openLines()) {
    number++;
    if (text.trim() === "") continue;
    if (csv && !columns) {
      columns = header(text);
      continue;
    }
    const line = csv ? csvLine(columns!, text, number) : jsonLine(text, number);
    takenAt ??= line.observedAt;
    page.push(line);
    if (page.length >= pageLines) {
      yield { takenAt: takenAt!, lines: page };
      page = [];
    }
  }
  if (page.length > 0) yield { takenAt: takenAt!, lines: page };
}

function header(text: string): Column[] {
  const names = (splitCsv(text) ?? []).map((n) => n.trim().toLowerCase());
  const unknown = names.filter((n) => !(CSV_COLUMNS as readonly string[]).includes(n));
  const missing = CSV_COLUMNS.filter((c) => c !== "location_id" && !names.includes(c));
  if (unknown.length > 0 || missing.length > 0 || new Set(names).size !== names.length) {
    throw lineError(1, `the header must name sku, quantity, observed_at and optionally location_id, once each (unknown: ${unknown.join(", ") || "none"}; missing: ${missing.join(", ") || "none"})`);
  }
  return names as Column[];
}

function csvLine(columns: readonly Column[], text: string, number: number): SnapshotLine {
  const values = splitCsv(text);
  if (!values || values.length !== columns.length) throw lineError(number, `has ${values?.length ?? "unbalanced quoted"} fields; the header has ${columns.length}`);
  const field = (column: Column) => values[columns.indexOf(column)]?.trim() ?? "";
  const quantity = field("quantity");
  if (!/^-?\d{1,19}$/.test(quantity)) throw lineError(number, `quantity must be a whole number, got "${quantity.slice(0, 40)}"`);
  return { sku: field("sku"), locationId: field("location_id"), quantity: BigInt(quantity), observedAt: instant(field("observed_at"), number) };
}

function jsonLine(text: string, number: number): SnapshotLine {
  let count;
  try {
    count = fromJsonString(SnapshotCountSchema, text, { ignoreUnknownFields: false });
  } catch (error) {
    throw lineError(number, `is not a SnapshotCount in JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!count.observedAt) throw lineError(number, "observedAt is required in a snapshot file");
  return { sku: count.sku, locationId: count.locationId, quantity: count.quantity, observedAt: timestampDate(count.observedAt) };
}

function instant(text: string, number: number): Date {
  const at = new Date(text);
  if (text === "" || Number.isNaN(at.getTime())) throw lineError(number, `observed_at must be an ISO 8601 time, got "${text.slice(0, 40)}"`);
  return at;
}

function lineError(number: number, reason: string): ValidationError {
  return new ValidationError("RECONCILIATION.INVALID_SNAPSHOT", [{ field: `line ${number}`, reason }]);
}
