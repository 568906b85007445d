/**
 * The logging port: structured lines with fields first, message second (pino's calling convention,
 * so the pino logger satisfies it without a wrapper).
 */
export interface Logger {
  /** Diagnostic detail, off in production. */
  debug(fields: object, message: string): void;
  /** Something worth knowing happened. */
  info(fields: object, message: string): void;
  /** Something is wrong but the service carries on. */
  warn(fields: object, message: string): void;
  /** Something failed and needs attention. */
  error(fields: object, message: string): void;
  /** A logger that adds `bindings` to every line. */
  child(bindings: Record<string, unknown>): Logger;
}

/** A logger that drops everything; for unit tests. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
