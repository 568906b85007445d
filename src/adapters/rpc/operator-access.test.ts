import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import assert from "node:assert/strict";
import { ReconciliationService } from "../../../gen/invsync/inventory/v1/reconciliation_service_pb.js";
import { InventoryService } from "../../../gen/invsync/inventory/v1/inventory_service_pb.js";
import { MigrationService } from "../../../gen/invsync/migration/v1/migration_service_pb.js";
import { OperationsService } from "../../../gen/invsync/operations/v1/operations_service_pb.js";
import { WmsSyncService } from "../../../gen/invsync/wms/v1/wms_sync_service_pb.js";
import { isInventorySyncError } from "../../shared/errors.js";
import { silentLogger } from "../../shared/logger.js";
import { ACCESS_POLICY, requiredRole } from "./access-policy.js";
import { BearerTokenAccess } from "./operator-access.js";

const OPERATOR = "operator-token-0123456789abcdefghij";
const VIEWER = "viewer-token-0123456789abcdefghijkl";
const headers = (authorization?: string) => new Headers(authorization ? { authorization } : {});

function refusal(admit: () => unknown): { kind: string; code: string } {
  try {
    admit();
  } catch (error) {
    assert.ok(isInventorySyncError(error));
    return { kind: error.kind, code: error.code };
  }
  return assert.fail("expected a refusal");
}

describe("operator access", () => {
  it("lists every method of every operator service, and reads (NO_SIDE_EFFECTS) are exactly the viewer ones", () => {
    for (const service of [OperationsService, MigrationService, ReconciliationService]) {
      const listed = Object.keys(ACCESS_POLICY[service.typeName]!).sort();
      assert.deepEqual(listed, service.methods.map((m) => m.name).sort(), service.typeName);
      for (const method of service.methods) {
        const read = method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS;
        assert.equal(requiredRole(service.typeName, method.name) === "viewer", read, `${method.name}: viewer exactly when it has no side effects`);
      }
    }
    assert.equal(requiredRole(OperationsService.typeName, "SomeFutureMethod"), "operator", "fail closed");
    assert.equal(requiredRole(WmsSyncService.typeName, "SyncInventory"), undefined, "WMS-facing endpoints are signed, not operator endpoints");
  });

  it("admits operators everywhere and viewers to reads; leaves other services open", () => {
    const refused: string[] = [];
    const gate = new BearerTokenAccess(
      [
        { name: "ann", role: "operator", token: OPERATOR },
        { name: "vic", role: "viewer", token: VIEWER },
      ],
      silentLogger,
      (code) => refused.push(code),
    );
    const pause = OperationsService.method.pauseIngestion;
    const status = OperationsService.method.getIngestionStatus;
    assert.deepEqual(gate.admit(OperationsService, pause, headers(`Bearer ${OPERATOR}`), "r"), { name: "ann", role: "operator" });
    assert.deepEqual(gate.admit(OperationsService, status, headers(`bearer ${VIEWER}`), "r"), { name: "vic", role: "viewer" });
    assert.equal(gate.admit(InventoryService, InventoryService.method.getInventory, headers(), "r"), undefined);
    assert.deepEqual(refusal(() => gate.admit(OperationsService, pause, headers(`Bearer ${VIEWER}`), "r")), { kind: "permission_denied", code: "ACCESS.ROLE_TOO_LOW" });
    assert.deepEqual(refusal(() => gate.admit(OperationsService, status, headers(), "r")), { kind: "unauthenticated", code: "ACCESS.CREDENTIAL_MISSING" });
    assert.deepEqual(refusal(() => gate.admit(OperationsService, status, headers(`Basic ${OPERATOR}`), "r")), { kind: "unauthenticated", code: "ACCESS.CREDENTIAL_MALFORMED" });
    assert.deepEqual(refusal(() => gate.admit(OperationsService, status, headers(`Bearer ${OPERATOR}x`), "r")), { kind: "unauthenticated", code: "ACCESS.CREDENTIAL_UNKNOWN" });
    assert.deepEqual(refused, ["ACCESS.ROLE_TOO_LOW", "ACCESS.CREDENTIAL_MISSING", "ACCESS.CREDENTIAL_MALFORMED", "ACCESS.CREDENTIAL_UNKNOWN"]);
  });

  it("refuses every operator call when no token is configured, saying how to configure one", () => {
    const gate = new BearerTokenAccess([], silentLogger);
    assert.deepEqual(refusal(() => gate.admit(MigrationService, MigrationService.method.getCohortStatus, headers(`Bearer ${OPERATOR}`), "r")), {
      kind: "unauthenticated",
      code: "ACCESS.NOT_CONFIGURED",
    });
  });
});
