import type { IngestionPath } from "./ingestion-path.js";

const RANK: Readonly<Record<IngestionPath, number>> = { legacy: 0, shadow: 1, new: 2 };

/**
 * The path of a movement whose legs touch records on `paths` (a transfer has two): the least
 * advanced one. The new path never writes a record it does not own, and half a transfer cannot be
 * applied, so a transfer touching a legacy record goes to legacy whole.
 */
export function movementPath(paths: readonly IngestionPath[]): IngestionPath {
  return paths.reduce<IngestionPath>((least, path) => (RANK[path] < RANK[least] ? path : least), "new");
}
