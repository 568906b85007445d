/**
 * Subjects of inventory events: `<prefix>.v1.<type>.<sku token>`, for example
 * `inventory.v1.stock_counted.SKU-1~2E5`. Consumers filter by type (`inventory.v1.stock_counted.>`)
 * or by SKU (`inventory.v1.*.<sku token>`).
 */
export function eventSubject(prefix: string, type: string, sku: string): string {
  return `${prefix}.v1.${typeToken(type)}.${skuToken(sku)}`;
}

/** The wildcard that matches every event subject under `prefix` (the stream's subject filter). */
export function allEventsSubject(prefix: string): string {
  return `${prefix}.v1.>`;
}

const typeTokens = new Map<string, string>();

/** `StockCounted` → `stock_counted` (memoised: a handful of types, millions of events). */
export function typeToken(type: string): string {
  let token = typeTokens.get(type);
  if (token === undefined) {
    token = type.replace(/[A-Z]/g, (c, offset: number) => (offset === 0 ? "" : "_") + c.toLowerCase());
    typeTokens.set(type, token);
  }
  return token;
}

/**
 * A SKU as one subject token: every character other than letters, digits, '_' and '-' becomes `~`
 * plus two hex digits ('.' → `~2E`). The mapping is one-to-one because SKUs never contain `~`.
 */
export function skuToken(sku: string): string {
  return sku.replace(/[^A-Za-z0-9_-]/g, (c) => `~${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}
