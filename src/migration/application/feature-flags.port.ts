/** What a flag is evaluated against: one SKU at one location. */
export interface FlagContext {
  readonly sku: string;
  readonly location: string;
}

/** Where the flags come from and whether they can be evaluated now. */
export interface FlagsStatus {
  /** True when flags can be evaluated (a bootstrap file, a backup or a server answer was loaded). */
  readonly ready: boolean;
  /** For example `bootstrap:/srv/flags/all-new.json` or `unleash:https://unleash.example/api`. */
  readonly source: string;
  /** True when the last fetch from the server succeeded (always true for a bootstrap file). */
  readonly synchronized: boolean;
  /** The last error of the flag client, if any. */
  readonly lastError: string | undefined;
}

/** A flag as the client knows it, for status reports. */
export interface FlagDefinition {
  readonly name: string;
  readonly enabled: boolean;
  /** One line per strategy, for example `flexibleRollout 10% by sku`. */
  readonly strategies: readonly string[];
}

/**
 * Port: feature flags, evaluated locally from the client's cached copy (no network call per SKU).
 */
export interface FeatureFlags {
  /** Whether `flag` is on for `context`; undefined when flags cannot be evaluated at all. */
  isEnabled(flag: string, context: FlagContext): boolean | undefined;
  status(): FlagsStatus;
  /** The flag's definition, or undefined when the client does not know it. */
  definition(flag: string): FlagDefinition | undefined;
}
