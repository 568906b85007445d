import { EnvReader } from "./env-reader.js";

/** Configuration of the operator commands (`invsync ingestion …`, `backfill`, `replay`, `gaps`, `reconcile`, `audit`, `cohort`). */
export interface OperatorConfig {
  /** The running service's gateway, where the operator services are served. */
  readonly serviceUrl: string;
  /** The operator's bearer token (`INVSYNC_TOKEN`); `--token` overrides it. Undefined: none sent. */
  readonly token: string | undefined;
}

/** Reads {@link OperatorConfig} from `env` (`INVSYNC_URL`, default `http://127.0.0.1:8080`, and `INVSYNC_TOKEN`). */
export function loadOperatorConfig(env: NodeJS.ProcessEnv): OperatorConfig {
  const read = new EnvReader(env);
  const serviceUrl = read.url("INVSYNC_URL", "http://127.0.0.1:8080", ["http:", "https:"]);
  const token = read.string("INVSYNC_TOKEN", "");
  read.throwIfInvalid();
  return { serviceUrl, token: token === "" ? undefined : token };
}
