import { v7 as uuidv7 } from "uuid";

/** Hands out unique identifiers for events and records. */
export interface IdGenerator {
  /** A new unique id. */
  next(): string;
}

/** Time-ordered UUIDv7 ids: unique, and they index well in PostgreSQL. */
export const uuidV7Ids: IdGenerator = { next: () => uuidv7() };
