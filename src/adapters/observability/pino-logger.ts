import { pino } from "pino";
import type { LogLevel } from "../../config/config.js";
import type { Logger } from "../../shared/logger.js";

/** A structured JSON logger (one object per line on stdout) at `level`. */
export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: "inventory-sync" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: ["*.authorization", "*.signature", "*.password", "*.secret"], censor: "[redacted]" },
  }) as unknown as Logger;
}
