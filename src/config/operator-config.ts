import { EnvReader } from "./env-reader.js";

/** Configuration of the operator commands (`invsync ingestion …`, `backfill`, `replay`, `gaps`). */
export interface OperatorConfig {
  /** The running service's gateway, where OperationsService is served. */
  readonly serviceUrl: string;
}

/** Reads {@link OperatorConfig} from `env` (`INVSYNC_URL`, default `http://127.0.0.1:8080`). */
export function loadOperatorConfig(env: NodeJS.ProcessEnv): OperatorConfig {
  const read = new EnvReader(env);
  const serviceUrl = read.url("INVSYNC_URL", "http://127.0.0.1:8080", ["http:", "https:"]);
  read.throwIfInvalid();
  return { serviceUrl };
}
