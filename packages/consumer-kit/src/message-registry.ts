import type { DescMessage } from "@bufbuild/protobuf";
import { inventoryEventType, type MessageType } from "./message-types.js";

/**
 * The message types a consumer decodes, by the name `Invsync-Message` carries. A type added to the
 * service is one line for its consumers: `defaultRegistry().with(messageType(StockRunningLowSchema, { id: (m) => m.alertId }))`.
 */
export class MessageRegistry {
  private readonly types: ReadonlyMap<string, MessageType>;

  constructor(types: readonly MessageType<DescMessage>[]) {
    this.types = new Map(types.map((t) => [t.typeName, t as MessageType]));
  }

  /** A registry with `type` added (or replacing the one of the same name). */
  with<Desc extends DescMessage>(type: MessageType<Desc>): MessageRegistry {
    return new MessageRegistry([...this.types.values(), type as unknown as MessageType]);
  }

  /** The type named `typeName`, or undefined. */
  get(typeName: string): MessageType | undefined {
    return this.types.get(typeName);
  }

  /** The names it knows. */
  get typeNames(): string[] {
    return [...this.types.keys()];
  }
}

/** The types inventory-sync publishes today: `invsync.events.v1.InventoryEvent`. */
export function defaultRegistry(): MessageRegistry {
  return new MessageRegistry([inventoryEventType]);
}
