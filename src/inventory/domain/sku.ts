/**
 * A stock keeping unit. 1 to 64 characters of letters, digits, '.', '_' or '-', so a SKU is
 * safe in URLs, log lines and (after encoding '.') in NATS subject tokens.
 */
export type Sku = string & { readonly __brand: "Sku" };

/** The rule every SKU follows. */
export const SKU_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** Why `value` is not a valid SKU, or undefined when it is. */
export function skuProblem(value: string): string | undefined {
  if (value.length === 0) return "must not be empty";
  if (value.length > 64) return `must be at most 64 characters, got ${value.length}`;
  if (!SKU_PATTERN.test(value)) {
    return "may contain only letters, digits, '.', '_' and '-'";
  }
  return undefined;
}

/** `value` as a Sku; the caller has checked `skuProblem(value)` is undefined. */
export function asSku(value: string): Sku {
  return value as Sku;
}
