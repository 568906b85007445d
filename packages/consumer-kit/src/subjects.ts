/**
 * A SKU as one subject token, exactly as inventory-sync writes it: every character other than
 * letters, digits, `_` and `-` becomes `~` plus two hex digits (`.` → `~2E`).
 */
export function skuToken(sku: string): string {
  return sku.replace(/[^A-Za-z0-9_-]/g, (c) => `~${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

/** `StockCounted` → `stock_counted`: the subject token of an event type. */
export function typeToken(type: string): string {
  return type.replace(/[A-Z]/g, (c, offset: number) => (offset === 0 ? "" : "_") + c.toLowerCase());
}

/**
 * The subject filter that matches every event of `sku`, built from the subject one of its events
 * came on (`<prefix>.v1.<type>.<sku token>` → `<prefix>.v1.*.<sku token>`), so a consumer needs no
 * prefix setting to re-read a record's events.
 */
export function recordSubjectFilter(subject: string): string {
  const parts = subject.split(".");
  if (parts.length < 4) throw new Error(`subject "${subject}" is not <prefix>.v1.<type>.<sku token>`);
  parts[parts.length - 2] = "*";
  return parts.join(".");
}
