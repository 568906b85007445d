/** A flag strategy as the Unleash client holds it (only what a summary needs). */
interface StrategyShape {
  readonly name: string;
  readonly parameters?: Record<string, unknown>;
  readonly constraints?: ReadonlyArray<{ readonly contextName: string; readonly operator: string; readonly values?: readonly string[] }>;
}

/** One line per strategy for status reports, for example `flexibleRollout 10% by sku; sku IN [A, B]`. */
export function describeStrategy(strategy: StrategyShape): string {
  const parts: string[] = [strategy.name];
  const p = strategy.parameters ?? {};
  if (strategy.name === "flexibleRollout") {
    parts[0] = `flexibleRollout ${String(p.rollout ?? "0")}% by ${String(p.stickiness ?? "default")}`;
    if (p.groupId) parts[0] += ` (group ${String(p.groupId)})`;
  }
  for (const c of strategy.constraints ?? []) {
    const values = c.values ?? [];
    const shown = values.length > 5 ? `${values.slice(0, 5).join(", ")}, … ${values.length} in all` : values.join(", ");
    parts.push(`${c.contextName} ${c.operator} [${shown}]`);
  }
  return parts.join("; ");
}
