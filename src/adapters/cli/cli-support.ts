import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorDetailOf } from "../rpc/error-mapping.js";

/** Where to write. */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

/** Where the service is and the token to call it with, unless `--url` / `--token` say otherwise. */
export interface OperatorDefaults {
  readonly serviceUrl: string;
  readonly token: string | undefined;
}

/** `value` as a whole number, or an error naming `flag`. */
export function wholeNumber(value: string, flag: string): number {
  if (!/^\d+$/.test(value)) throw new Error(`${flag} must be a whole number, got "${value}"`);
  return Number(value);
}

/** `value` (ISO 8601) as a Timestamp, undefined when unset, or an error naming `flag`. */
export function timestamp(value: string | undefined, flag: string) {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`${flag} must be an ISO 8601 time, got "${value}"`);
  return timestampFromDate(date);
}

/** An error as the operator commands print it: the stable code, the message and each bad field. */
export function describe(error: unknown): string {
  if (error instanceof ConnectError) {
    const detail = errorDetailOf(error);
    const fields = detail?.fieldViolations.map((v) => `\n  ${v.field}: ${v.reason}`).join("") ?? "";
    return `error: ${detail?.code ?? Code[error.code]}: ${error.rawMessage}${fields}`;
  }
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}
