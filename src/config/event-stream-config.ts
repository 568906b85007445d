import { EnvReader } from "./env-reader.js";

/** Where the events go: the NATS server and the JetStream stream and subjects (the service and `invsync events`). */
export interface EventStreamConfig {
  readonly natsUrl: string;
  readonly natsStream: string;
  readonly natsSubjectPrefix: string;
}

/** Reads `NATS_URL`, `NATS_STREAM` and `NATS_SUBJECT_PREFIX` with their rules. */
export function readEventStream(read: EnvReader): EventStreamConfig {
  return {
    natsUrl: read.url("NATS_URL", "nats://127.0.0.1:4222", ["nats:", "tls:"]),
    natsStream: read.pattern("NATS_STREAM", "INVENTORY", /^[A-Za-z0-9_-]{1,64}$/, "letters, digits, '_' or '-'"),
    natsSubjectPrefix: read.pattern(
      "NATS_SUBJECT_PREFIX",
      "inventory",
      /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/,
      "subject tokens of letters, digits, '_' or '-' joined by '.'",
    ),
  };
}

/** {@link EventStreamConfig} alone, for `invsync events`; throws a ConfigError naming each bad variable. */
export function loadEventStreamConfig(env: NodeJS.ProcessEnv): EventStreamConfig {
  const read = new EnvReader(env);
  const config = readEventStream(read);
  read.throwIfInvalid();
  return config;
}
