import { pino, type DestinationStream } from "pino";
import type { LogLevel } from "../../config/config.js";
import type { Logger } from "../../shared/logger.js";
import { logContext } from "./log-context.js";

/**
 * Fields never written to a log: credentials, WMS request signatures and signing keys, wherever
 * they sit in a logged object (top level, one or two levels down, e.g. `req.headers.authorization`).
 */
export const REDACTED_FIELDS = [
  "authorization",
  "x-invsync-signature",
  "signature",
  "signingKeys",
  "secret",
  "password",
  "token",
  "apiToken",
  "authHeader",
  "cookie",
] as const;

const REDACT_PATHS = REDACTED_FIELDS.flatMap((field) => {
  const key = /^[A-Za-z_]\w*$/.test(field) ? `.${field}` : `["${field}"]`;
  return [key.startsWith(".") ? field : key, `*${key}`, `*.*${key}`];
});

/**
 * A structured JSON logger (one object per line on stdout, or `destination`) at `level`. Every line
 * carries the request id and trace id of the request it belongs to (see `log-context.ts`).
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: "inventory-sync" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    mixin: logContext,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
  };
  return (destination ? pino(options, destination) : pino(options)) as unknown as Logger;
}
