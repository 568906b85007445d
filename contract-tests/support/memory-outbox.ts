import type { OutboxMessage } from "../../src/outbox/outbox-message.js";
import type { OutboxBacklog, OutboxStore } from "../../src/outbox/outbox-store.port.js";

/** An outbox held in memory: the relay's port, implemented plainly to test its ordering rules. */
export class MemoryOutbox implements OutboxStore {
  readonly published = new Set<string>();
  constructor(readonly events: OutboxMessage[]) {}
  /** Commits more events, after those already held. */
  append(messages: readonly OutboxMessage[]): void {
    this.events.push(...messages);
  }
  async fetchUnpublished(limit: number, exclude: readonly string[]) {
    const skip = new Set(exclude);
    return this.events.filter((e) => !this.published.has(e.eventId) && !skip.has(e.position)).slice(0, limit);
  }
  async markPublished(messages: readonly OutboxMessage[]) {
    for (const { eventId } of messages) this.published.add(eventId);
  }
  async backlog(): Promise<OutboxBacklog> {
    return { count: this.events.length - this.published.size, oldestAt: undefined };
  }
}
