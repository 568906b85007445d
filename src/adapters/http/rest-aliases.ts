import { create, fromJsonString, toJsonString, type DescMessage, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues, createHandlerContext, type HandlerContext } from "@connectrpc/connect";
import {
  GetInventoryRequestSchema,
  InventoryService,
} from "../../../gen/invsync/inventory/v1/inventory_service_pb.js";
import { OverrideStockCountRequestSchema, ReconciliationService } from "../../../gen/invsync/inventory/v1/reconciliation_service_pb.js";
import { SyncInventoryRequestSchema, WmsSyncService } from "../../../gen/invsync/wms/v1/wms_sync_service_pb.js";
import type { RegisteredService } from "../rpc/registered-service.js";
import type { HttpRequest, HttpResponse } from "./http-types.js";
import { sendError, sendJson, sendJsonText } from "./json-response.js";
import { receivedBodyKey } from "../rpc/received-updates.js";
import { keptBody, readBody } from "./request-body.js";
import { JSON_OPTIONS } from "./json-options.js";

type UnaryImpl = (request: unknown, context: HandlerContext) => Promise<unknown>;

/** A REST route: answers when it matches, else returns false. */
export type RestRoute = (req: HttpRequest, res: HttpResponse, path: string) => Promise<boolean>;

/**
 * The REST aliases of the design brief, served by the same (guarded) implementations as the RPCs:
 * - `POST /inventory/sync` takes and returns the JSON of `WmsSyncService/SyncInventory`;
 * - `GET /inventory/{sku}` returns the JSON of `InventoryService/GetInventory`;
 * - `POST /inventory/{sku}/reconcile` takes and returns the JSON of `ReconciliationService/OverrideStockCount`
 *   (the SKU comes from the path; a `sku` in the body must be the same), with the same operator credential.
 */
export function restAliases(services: readonly RegisteredService[], maxBodyBytes: number): RestRoute {
  const sync = methodOf(services, WmsSyncService, "SyncInventory");
  const get = methodOf(services, InventoryService, "GetInventory");
  const reconcile = methodOf(services, ReconciliationService, "OverrideStockCount");
  return async (req, res, path) => {
    const override = /^\/inventory\/([^/]+)\/reconcile$/.exec(path);
    if (override) {
      if (req.method !== "POST") return methodNotAllowed(res, "POST");
      await answer(req, res, reconcile, async () => {
        const sku = decodePathSegment(override[1]!);
        const request = parseJson(OverrideStockCountRequestSchema, await readJsonBody(req, maxBodyBytes));
        if (request.sku !== "" && request.sku !== sku) {
          throw new ConnectError(`sku in the body ("${request.sku}") differs from the path ("${sku}")`, Code.InvalidArgument);
        }
        request.sku = sku;
        return request;
      });
      return true;
    }
    if (path === "/inventory/sync") {
      if (req.method !== "POST") return methodNotAllowed(res, "POST");
      await answer(req, res, sync, async () => parseJson(SyncInventoryRequestSchema, await readJsonBody(req, maxBodyBytes)));
      return true;
    }
    const match = /^\/inventory\/([^/]+)$/.exec(path);
    if (match) {
      if (req.method !== "GET") return methodNotAllowed(res, "GET");
      await answer(req, res, get, async () => create(GetInventoryRequestSchema, { sku: decodePathSegment(match[1]!) }));
      return true;
    }
    return false;
  };
}

interface BoundMethod {
  readonly service: DescService;
  readonly method: DescMethod;
  readonly impl: UnaryImpl;
}

async function answer(req: HttpRequest, res: HttpResponse, bound: BoundMethod, parse: () => Promise<unknown>): Promise<void> {
  const context = createHandlerContext({
    service: bound.service,
    method: bound.method,
    protocolName: "rest",
    requestMethod: req.method ?? "GET",
    url: req.url ?? "/",
    requestHeader: toHeaders(req),
    contextValues: createContextValues().set(receivedBodyKey, keptBody(req)),
  });
  try {
    const response = await bound.impl(await parse(), context);
    context.responseHeader.forEach((value, key) => res.setHeader(key, value));
    sendJsonText(res, 200, toJsonString(bound.method.output, create(bound.method.output, response as never), JSON_OPTIONS));
  } catch (error) {
    context.responseHeader.forEach((value, key) => res.setHeader(key, value));
    sendError(res, ConnectError.from(error));
  }
}

async function readJsonBody(req: HttpRequest, maxBodyBytes: number): Promise<string> {
  const type = String(req.headers["content-type"] ?? "");
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new ConnectError(`content-type must be application/json, got "${type}"`, Code.InvalidArgument);
  }
  return readBody(req, maxBodyBytes);
}

function parseJson<T extends DescMessage>(schema: T, body: string) {
  try {
    return fromJsonString(schema, body, JSON_OPTIONS);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConnectError(`request body is not a valid ${schema.typeName}: ${reason}`, Code.InvalidArgument);
  }
}

function methodOf(services: readonly RegisteredService[], service: DescService, name: string): BoundMethod {
  const registered = services.find((s) => s.service.typeName === service.typeName);
  const method = service.methods.find((m) => m.name === name);
  if (!registered || !method) throw new Error(`${service.typeName}/${name} is not registered`);
  return { service, method, impl: (registered.impl as unknown as Record<string, UnaryImpl>)[method.localName]! };
}

/** A path segment without its percent-encoding; malformed encoding is the caller's error, named as such. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ConnectError(`the SKU in the path is not valid percent-encoding: "${segment.slice(0, 100)}"`, Code.InvalidArgument);
  }
}

function methodNotAllowed(res: HttpResponse, allowed: string): boolean {
  res.setHeader("allow", allowed);
  sendJson(res, 405, { code: "method_not_allowed", message: `use ${allowed}` });
  return true;
}

function toHeaders(req: HttpRequest): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (key.startsWith(":") || value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(key, item);
  }
  return headers;
}
