import { runOperationsCommand } from "../../src/adapters/cli/operations-cli.js";
import { OPERATOR_TOKEN, type TestService } from "./test-service.js";
import { getJson } from "./wms-fixtures.js";

/** Runs `invsync <args>` (the operator CLI, over Connect) against `svc`; returns its exit code, parsed JSON output and error text. */
export async function invsync(svc: TestService, ...args: string[]): Promise<{ code: number; out: any; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runOperationsCommand(args, { serviceUrl: svc.baseUrl, token: OPERATOR_TOKEN }, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.length ? JSON.parse(out.join("\n")) : undefined, err: err.join("\n") };
}

/** Runs one SQL statement on the database of `svc` (to look at the inbox or plant rows as an older release left them). */
export function sql(svc: TestService, text: string, values: unknown[] = []): Promise<any[]> {
  return svc.database.query(text, values);
}

/** The total `on_hand` of `sku` as `GET /inventory/{sku}` answers it; undefined when the SKU is unknown. */
export async function onHand(svc: TestService, sku: string): Promise<string | undefined> {
  return (await getJson(`${svc.baseUrl}/inventory/${sku}`)).body?.stock?.onHand;
}
