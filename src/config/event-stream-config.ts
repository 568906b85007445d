import { EnvReader } from "./env-reader.js";

/** Where the events go: the NATS server and the JetStream stream and subjects (the service and `invsync events`). */
export interface EventStreamConfig {
  readonly natsUrl: string;
  readonly natsStream: string;
  readonly natsSubjectPrefix: string;
}

/**
 * Reads `NATS_URL` (one server, or a cluster's servers separated by commas), `NATS_STREAM` and
 * `NATS_SUBJECT_PREFIX` with their rules.
 */
export function readEventStream(read: EnvReader): EventStreamConfig {
  return {
    natsUrl: read.parsed("NATS_URL", natsServerList) ?? "nats://127.0.0.1:4222",
    natsStream: read.pattern("NATS_STREAM", "INVENTORY", /^[A-Za-z0-9_-]{1,64}$/, "letters, digits, '_' or '-'"),
    natsSubjectPrefix: read.pattern(
      "NATS_SUBJECT_PREFIX",
      "inventory",
      /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/,
      "subject tokens of letters, digits, '_' or '-' joined by '.'",
    ),
  };
}

/** `nats://a:4222,nats://b:4222` checked server by server (each a nats: or tls: URL), as given. */
function natsServerList(raw: string): string {
  const servers = raw.split(",").map((server) => server.trim());
  for (const server of servers) {
    let protocol = "";
    try {
      protocol = new URL(server).protocol;
    } catch {
      // reported below
    }
    if (protocol !== "nats:" && protocol !== "tls:") {
      throw new Error(`${JSON.stringify(server)} is not a URL starting with nats:// or tls:// (list several servers separated by commas)`);
    }
  }
  return servers.join(",");
}

/** {@link EventStreamConfig} alone, for `invsync events`; throws a ConfigError naming each bad variable. */
export function loadEventStreamConfig(env: NodeJS.ProcessEnv): EventStreamConfig {
  const read = new EnvReader(env);
  const config = readEventStream(read);
  read.throwIfInvalid();
  return config;
}
