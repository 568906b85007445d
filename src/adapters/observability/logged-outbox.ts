import type { InventoryEvent } from "../../inventory/domain/inventory-event.js";
import type { EventOutbox } from "../../outbox/event-outbox.port.js";
import type { Logger } from "../../shared/logger.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { onCommit } from "../persistence/knex-unit-of-work.js";

/**
 * The outbox, plus one `stock changed` line per committed event (SKU, location, delta, before and
 * after, and the WMS update, reservation, operator or reconciliation run that caused it). Wired only at `LOG_LEVEL=debug` or
 * `trace`, for investigations: the same facts are always in the `inventory_events` ledger.
 */
export function loggedOutbox(outbox: EventOutbox, logger: Logger): EventOutbox {
  return {
    async append(tx: Transaction, events: readonly InventoryEvent[]): Promise<void> {
      await outbox.append(tx, events);
      onCommit(tx, () => {
        for (const event of events) logger.debug(changeFields(event), "stock changed");
      });
    },
  };
}

function changeFields(event: InventoryEvent): Record<string, unknown> {
  const { cause } = event;
  const origin =
    cause.kind === "wms_update"
      ? { wmsId: cause.wmsId, sequence: cause.sequence.toString(), batchId: cause.batchId }
      : cause.kind === "reservation"
        ? { reservationId: cause.reservationId, orderReference: cause.orderReference }
        : cause.kind === "operator"
          ? { actor: cause.actor, reason: cause.reason, requestId: cause.requestId }
          : { runId: cause.runId, discrepancyId: cause.discrepancyId };
  return {
    eventId: event.eventId,
    type: event.type,
    sku: event.sku,
    locationId: event.locationId,
    delta: event.delta,
    onHand: [event.before.onHand, event.after.onHand],
    reserved: [event.before.reserved, event.after.reserved],
    path: event.route?.decision.path,
    ...origin,
  };
}
