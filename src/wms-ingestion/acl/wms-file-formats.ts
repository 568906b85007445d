import { FileFormatError } from "../application/file-ingestion.js";
import type { RawUpdate } from "../application/raw-update.js";
import { WMS_V1 } from "./wms-v1-mapper.js";
import { WMS_V2 } from "./wms-v2-mapper.js";

/** How a dropped file is written: the WMS contract and the line format, read from its name. */
export interface FileFormat {
  readonly schemaVersion: string;
  readonly format: "csv" | "jsonl";
}

/** CSV columns of each contract and the JSON field each fills. */
const CSV_COLUMNS: Record<string, Record<string, string>> = {
  [WMS_V1]: {
    wms_id: "wmsId",
    sequence: "sequence",
    sku: "sku",
    quantity: "quantity",
    status: "status",
    location_id: "locationId",
    observed_at: "observedAt",
  },
  [WMS_V2]: {
    source_system: "sourceSystem",
    seq_no: "seqNo",
    item_code: "itemCode",
    site: "site",
    event_time: "eventTime",
    sellable: "snapshot.sellable",
    damaged: "snapshot.damaged",
    quality_hold: "snapshot.qualityHold",
    movement_type: "movement.movementType",
    delta: "movement.delta",
    stock_status: "movement.stockStatus",
    to_site: "movement.toSite",
    to_stock_status: "movement.toStockStatus",
    reference: "movement.reference",
  },
};
const ENUM_PREFIXES: Record<string, string> = {
  "movement.movementType": "MOVEMENT_TYPE_",
  "movement.stockStatus": "STOCK_STATUS_",
  "movement.toStockStatus": "STOCK_STATUS_",
};

/** The format named by `fileName` (`*.v1.csv`, `*.v1.jsonl`, `*.v2.csv`, `*.v2.jsonl`), or undefined. */
export function fileFormatOf(fileName: string): FileFormat | undefined {
  const match = /\.(v1|v2)\.(csv|jsonl)$/i.exec(fileName);
  if (!match) return undefined;
  return { schemaVersion: match[1]!.toLowerCase() === "v1" ? WMS_V1 : WMS_V2, format: match[2]!.toLowerCase() as "csv" | "jsonl" };
}

/**
 * Reads the lines of one file into raw updates. A CSV file's first line is its header (column
 * names of the contract, any order; an unknown column fails the whole file, never guessed). Blank
 * lines and a byte order mark opening the file are skipped. A line that cannot be read becomes an
 * unreadable update naming its line. Each update keeps its text as received, for legacy: a JSONL
 * line as written (form `json`), a CSV line as written after the file's header line (form `csv`).
 */
export class FileLineReader {
  private columns: string[] | undefined;
  private headerLine = "";

  constructor(private readonly format: FileFormat) {}

  /** The raw update of line `lineNumber`, undefined for a header or blank line; throws {@link FileFormatError} for an unusable header. */
  read(lineNumber: number, line: string): RawUpdate | undefined {
    // Windows tools start UTF-8 exports with a byte order mark: it is not part of the first line's data.
    const text = lineNumber === 1 ? line.replace(/^\uFEFF/, "") : line;
    if (text.trim() === "") return undefined;
    if (this.format.format === "jsonl") return jsonLine(lineNumber, text);
    if (!this.columns) {
      this.columns = header(this.format.schemaVersion, text);
      this.headerLine = text;
      return undefined;
    }
    const values = splitCsv(text);
    if (values === undefined || values.length !== this.columns.length) {
      return unreadable(lineNumber, text, `has ${values?.length ?? "unbalanced quoted"} fields; the header has ${this.columns.length}`);
    }
    const json: Record<string, unknown> = {};
    this.columns.forEach((field, i) => assign(json, field, values[i]!));
    // Legacy is handed the row as written, with the header that names its columns.
    return { json, received: { form: "csv", text: `${this.headerLine}\n${text}` } };
  }
}

function header(version: string, text: string): string[] {
  const known = CSV_COLUMNS[version]!;
  const names = splitCsv(text) ?? [];
  const unknown = names.filter((name) => !(name.trim() in known));
  if (names.length === 0 || unknown.length > 0) {
    throw new FileFormatError(`line 1: unknown CSV column(s) ${unknown.map((n) => `"${n}"`).join(", ")} for ${version}; expected ${Object.keys(known).join(", ")}`);
  }
  return names.map((name) => known[name.trim()]!);
}

function assign(json: Record<string, unknown>, path: string, value: string): void {
  if (value === "") return;
  const [head, leaf] = path.split(".") as [string, string | undefined];
  const typed = path === "quantity" ? Number(value) : ENUM_PREFIXES[path] && !value.startsWith(ENUM_PREFIXES[path]!) ? ENUM_PREFIXES[path] + value.toUpperCase() : value;
  if (leaf === undefined) json[head] = typed;
  else json[head] = { ...((json[head] as object | undefined) ?? {}), [leaf]: typed };
}

function jsonLine(lineNumber: number, text: string): RawUpdate {
  try {
    return { json: JSON.parse(text), received: { form: "json", text } };
  } catch (error) {
    return unreadable(lineNumber, text, `is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function unreadable(lineNumber: number, text: string, problem: string): RawUpdate {
  return { text: text.slice(0, 1000), unreadable: { field: "line", code: "LINE_MALFORMED", reason: `line ${lineNumber} ${problem}` } };
}

/** Splits one CSV line (RFC 4180 quoting, no line breaks inside fields); undefined when quotes do not balance. */
export function splitCsv(line: string): string[] | undefined {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") fields.push(field), (field = "");
    else if (c !== "\r") field += c;
  }
  if (quoted) return undefined;
  fields.push(field);
  return fields;
}
