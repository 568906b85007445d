/**
 * How the gateway reads and writes JSON, for Connect and the REST aliases alike: unknown fields are
 * an error (a renamed WMS field must not be silently ignored), and zero values are written out
 * (`"duplicate": 0`), so callers never have to know proto3's omit-defaults rule.
 */
export const JSON_OPTIONS = { ignoreUnknownFields: false, alwaysEmitImplicit: true } as const;
