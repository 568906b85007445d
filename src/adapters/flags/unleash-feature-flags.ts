import { mkdirSync, readFileSync } from "node:fs";
import { once } from "node:events";
import { InMemStorageProvider, Unleash, UnleashEvents, type ClientFeaturesResponse } from "unleash-client";
import type { FeatureFlags, FlagContext, FlagDefinition, FlagsStatus } from "../../migration/application/feature-flags.port.js";
import type { Logger } from "../../shared/logger.js";
import { describeStrategy } from "./strategy-summary.js";

/** Where the flags come from: a local bootstrap file (embedded default), or an Unleash server. */
export type UnleashSettings =
  | { readonly kind: "bootstrap"; readonly file: string }
  | {
      readonly kind: "server";
      readonly url: string;
      readonly token: string;
      /** Folder of the backup of the last flags fetched, read at start while the server is down. */
      readonly backupDir: string;
      readonly refreshIntervalMs: number;
      /** Per request; unleash-client refuses less than 1000 ms. */
      readonly timeoutMs: number;
    };

const APP_NAME = "inventory-sync";

/**
 * {@link FeatureFlags} with `unleash-client`: flags are evaluated locally from the client's cached
 * toggles. From a bootstrap file nothing touches the network; from a server the client refreshes
 * every interval, keeps a backup file of the last flags and keeps answering from its cache (or the
 * backup) while the server is down. Until any flags are loaded, nothing can be evaluated.
 */
export class UnleashFeatureFlags implements FeatureFlags {
  private ready = false;
  private synchronized: boolean;
  private lastError: string | undefined;

  private constructor(
    private readonly client: Unleash,
    private readonly source: string,
    logger: Logger,
  ) {
    this.synchronized = source.startsWith("bootstrap:");
    client.on(UnleashEvents.Ready, () => (this.ready = true));
    client.on(UnleashEvents.Changed, () => this.fetched());
    client.on(UnleashEvents.Unchanged, () => this.fetched());
    client.on(UnleashEvents.Warn, (message: unknown) => logger.warn({ detail: String(message) }, "unleash client warning"));
    // Kept after destroy(): a fetch still in flight may fail then, and must not become an uncaught error.
    client.on(UnleashEvents.Error, (error: unknown) => {
      this.synchronized = this.source.startsWith("bootstrap:");
      this.lastError = error instanceof Error ? error.message : String(error);
      logger.warn({ err: this.lastError, source }, "unleash flags could not be refreshed; routing from the cached flags");
    });
  }

  /**
   * Starts the client and waits until flags are loaded, for at most one request timeout (a server
   * that is down with no backup leaves every record on legacy until it answers).
   */
  static async start(settings: UnleashSettings, logger: Logger): Promise<UnleashFeatureFlags> {
    const readyWithinMs = settings.kind === "server" ? settings.timeoutMs : 5_000;
    const { client, source } = settings.kind === "bootstrap" ? fromBootstrapFile(settings.file) : fromServer(settings);
    const flags = new UnleashFeatureFlags(client, source, logger);
    const timer = new Promise<void>((resolve) => setTimeout(resolve, readyWithinMs).unref());
    await Promise.race([once(flags.client, UnleashEvents.Ready).then(() => undefined), timer]);
    if (!flags.ready) logger.warn({ source: flags.source }, "no flags loaded yet: every stock record routes to legacy until they are");
    return flags;
  }

  isEnabled(flag: string, context: FlagContext): boolean | undefined {
    if (!this.ready) return undefined;
    return this.client.isEnabled(flag, { sku: context.sku, location: context.location, properties: { ...context } }, false);
  }

  status(): FlagsStatus {
    return { ready: this.ready, source: this.source, synchronized: this.synchronized, lastError: this.lastError };
  }

  definition(flag: string): FlagDefinition | undefined {
    const feature = this.ready ? this.client.getFeatureToggleDefinition(flag) : undefined;
    if (!feature) return undefined;
    return { name: feature.name, enabled: feature.enabled, strategies: (feature.strategies ?? []).map(describeStrategy) };
  }

  /** Stops refreshing and sending metrics. */
  close(): void {
    this.client.destroy();
  }

  private fetched(): void {
    this.synchronized = true;
    this.lastError = undefined;
  }
}

function fromBootstrapFile(file: string): { client: Unleash; source: string } {
  const data = readBootstrap(file);
  const client = new Unleash({
    appName: APP_NAME,
    // Never contacted: refreshInterval 0 turns fetching off, and metrics are disabled.
    url: "http://127.0.0.1:9/unleash-bootstrap-only",
    refreshInterval: 0,
    disableMetrics: true,
    bootstrap: { data: data.features, segments: data.segments },
    storageProvider: new InMemStorageProvider(),
    skipInstanceCountWarning: true,
  });
  return { client, source: `bootstrap:${file}` };
}

function fromServer(settings: Extract<UnleashSettings, { kind: "server" }>): { client: Unleash; source: string } {
  mkdirSync(settings.backupDir, { recursive: true });
  const client = new Unleash({
    appName: APP_NAME,
    url: settings.url,
    customHeaders: { Authorization: settings.token },
    refreshInterval: settings.refreshIntervalMs,
    timeout: settings.timeoutMs,
    backupPath: settings.backupDir,
    skipInstanceCountWarning: true,
  });
  return { client, source: `unleash:${settings.url}` };
}

/** The bootstrap file: an Unleash client features document (`{ "version": 2, "features": [...] }`). */
function readBootstrap(file: string): ClientFeaturesResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`flags bootstrap file ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof parsed !== "object" || parsed === null || !Array.isArray((parsed as { features?: unknown }).features)) {
    throw new Error(`flags bootstrap file ${file} must be an Unleash features document: {"version": 2, "features": [...]}`);
  }
  return parsed as ClientFeaturesResponse;
}
