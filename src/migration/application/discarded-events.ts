import type { EventOutbox } from "../../outbox/event-outbox.port.js";

/**
 * The shadow projection's outbox: it takes the events the domain rules produce and drops them, so
 * shadow processing computes exactly what the new path would, and publishes nothing.
 */
export const discardedEvents: EventOutbox = { append: async () => undefined };
