import { createContextValues } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { Logger } from "../../shared/logger.js";
import { receivedBodyKey } from "../rpc/received-updates.js";
import { connectRoutes, type RegisteredService } from "../rpc/registered-service.js";
import { JSON_OPTIONS } from "./json-options.js";
import type { HttpRequest, HttpResponse } from "./http-types.js";
import { sendJson } from "./json-response.js";
import { keptBody } from "./request-body.js";
import type { RestRoute } from "./rest-aliases.js";
import type { RequestGate } from "./wms-request-gate.js";

/** Where and how the gateway listens. */
export interface GatewaySettings {
  readonly host: string;
  readonly port: number;
  /** Largest request body accepted; larger ones get ResourceExhausted / 413. */
  readonly maxBodyBytes: number;
}

/** A running gateway. */
export interface RunningGateway {
  readonly port: number;
  /** Stops accepting, lets requests in flight finish for up to `graceMs`, then closes what is left. */
  close(graceMs: number): Promise<void>;
}

const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/**
 * The WMS- and operator-facing gateway: every registered service over the Connect protocol (JSON
 * and binary; gRPC and gRPC-Web too, but not gRPC-Web text, which connect-node answers with 415),
 * then `routes` in order for everything else. Unknown JSON fields are rejected, not ignored. One
 * cleartext port speaks HTTP/1.1 and HTTP/2 (prior knowledge): the first bytes of each connection
 * decide which server gets it.
 */
export async function startGateway(
  services: readonly RegisteredService[],
  routes: readonly RestRoute[],
  settings: GatewaySettings,
  logger: Logger,
  gates: readonly RequestGate[] = [],
): Promise<RunningGateway> {
  let inFlight = 0;
  const fallback = async (req: HttpRequest, res: HttpResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://gateway").pathname;
    try {
      for (const route of routes) if (await route(req, res, path)) return;
    } catch (error) {
      logger.error({ err: String(error), path }, "route failed");
      if (!res.headersSent) sendJson(res, 500, { code: "internal", message: "internal error" });
      else res.end();
    }
  };
  const connect = connectNodeAdapter({
    routes: connectRoutes(services),
    fallback: (req, res) => void fallback(req, res),
    jsonOptions: JSON_OPTIONS,
    readMaxBytes: settings.maxBodyBytes,
    // The WMS services hand legacy each update as received: the body the gate read, as it arrived.
    contextValues: (req) => createContextValues().set(receivedBodyKey, keptBody(req)),
  });
  const handler = (req: HttpRequest, res: HttpResponse): void => {
    inFlight++;
    res.once("close", () => inFlight--);
    void passGates(gates, req, res).then((answered) => {
      if (!answered) connect(req, res);
    });
  };

  const http1 = http.createServer({ keepAliveTimeout: 65_000 }, handler);
  const http2Server = http2.createServer({}, handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  http2Server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  const sockets = new Set<net.Socket>();
  const listener = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    routeByPreface(socket, http1, http2Server);
  });

  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(settings.port, settings.host, () => resolve());
  });
  const port = (listener.address() as net.AddressInfo).port;

  return {
    port,
    async close(graceMs) {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      http1.closeIdleConnections();
      for (const session of sessions) session.close();
      const deadline = Date.now() + graceMs;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      http1.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

async function passGates(gates: readonly RequestGate[], req: HttpRequest, res: HttpResponse): Promise<boolean> {
  for (const gate of gates) if (await gate(req, res)) return true;
  return false;
}

/** Hands `socket` to the HTTP/2 server when it opens with the HTTP/2 preface, else to HTTP/1.1. */
function routeByPreface(socket: net.Socket, http1: http.Server, http2Server: http2.Http2Server): void {
  let received = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    received = Buffer.concat([received, chunk]);
    const compared = Math.min(received.length, HTTP2_PREFACE.length);
    const isHttp2 = received.subarray(0, compared).equals(HTTP2_PREFACE.subarray(0, compared));
    if (isHttp2 && received.length < HTTP2_PREFACE.length) return; // need more bytes to decide
    socket.off("data", onData);
    socket.pause();
    socket.unshift(received);
    // HTTP/2 replays the buffered bytes itself (it reads them on the next tick); HTTP/1.1 reads
    // through 'data' events, so the socket must flow again.
    if (isHttp2) {
      http2Server.emit("connection", socket);
    } else {
      http1.emit("connection", socket);
      socket.resume();
    }
  };
  socket.on("data", onData);
}
