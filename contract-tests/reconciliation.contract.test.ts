import { createClient } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventSource, EventType } from "../gen/invsync/events/v1/inventory_event_pb.js";
import { DiscrepancyStatus, RunStatus, SnapshotSource } from "../gen/invsync/inventory/v1/reconciliation_pb.js";
import { DiscrepancyResolution, ReconciliationService } from "../gen/invsync/inventory/v1/reconciliation_service_pb.js";
import { operatorTransport } from "../src/adapters/cli/operator-transport.js";
import { runReconcileCommand } from "../src/adapters/cli/reconcile-cli.js";
import { createLogger } from "../src/adapters/observability/pino-logger.js";
import { dropFile, dropReport } from "./support/drop-folder.js";
import { readEvents } from "./support/event-reader.js";
import { FakeWms } from "./support/fake-wms.js";
import { errorDetailFromGrpc, grpcClients, unary } from "./support/grpc-clients.js";
import { onHand } from "./support/operator-calls.js";
import { scrape, valueOf } from "./support/prometheus-text.js";
import { OPERATOR_TOKEN, startTestService, VIEWER_TOKEN, type TestService } from "./support/test-service.js";
import { waitFor } from "./support/wait-for.js";
import { postJson, syncBatch, wmsUpdate } from "./support/wms-fixtures.js";

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

describe("contract: reconciliation, operator overrides, access and the audit log", function () {
  this.timeout(60_000);
  let svc: TestService;
  let wms: FakeWms;
  let clients: ReturnType<typeof grpcClients>;
  const dropDir = mkdtempSync(join(tmpdir(), "invsync-snapshots-"));
  const logLines: Array<Record<string, unknown>> = [];
  const logged = (msg: string) => logLines.filter((line) => line.msg === msg);
  const api = (token = OPERATOR_TOKEN) => createClient(ReconciliationService, operatorTransport(svc.baseUrl, token));
  const invsync = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runReconcileCommand(args, { serviceUrl: svc.baseUrl, token: OPERATOR_TOKEN }, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.length ? JSON.parse(out.join("\n")) : undefined, err: err.join("\n") };
  };

  before(async () => {
    wms = await FakeWms.start();
    svc = await startTestService("reconciliation", {
      WMS_DROP_DIR: dropDir,
      WMS_DROP_POLL_MS: "100",
      WMS_SNAPSHOT_URL: wms.snapshotUrl,
      WMS_PULL_AUTH_HEADER: "Authorization: Bearer wms-pull-token",
      RECONCILE_DAILY_AT: "off",
      RECONCILE_TOLERANCE_UNITS: "2",
      RECONCILE_CHECK_INTERVAL_SECONDS: "1",
    }, { logger: createLogger("info", { write: (line: string) => void logLines.push(JSON.parse(line)) }) });
    clients = grpcClients(svc.grpcAddress);
    const updates = Array.from({ length: 20 }, (_, i) => wmsUpdate(`R-${i + 1}`, i + 1, 10, { wmsId: "wms-r", observedAt: minutesAgo(60) }));
    assert.equal((await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch("seed", updates))).body.accepted, 20);
  });
  after(async () => {
    clients?.close();
    await svc?.stop();
    await wms?.close();
    rmSync(dropDir, { recursive: true, force: true });
  });

  it("refuses operator endpoints without a credential (401), with an unknown one (401) and writes by a viewer (403), on REST, Connect and gRPC", async () => {
    const body = { countedOnHand: "5", expectedOnHand: "10", reason: "OVERRIDE_REASON_PHYSICAL_COUNT", note: "n" };
    const none = await postJson(`${svc.baseUrl}/inventory/R-1/reconcile`, body);
    assert.deepEqual([none.status, none.body.code, none.body.detail.code], [401, "unauthenticated", "ACCESS.CREDENTIAL_MISSING"]);
    const unknown = await postJson(`${svc.baseUrl}/inventory/R-1/reconcile`, body, bearer("not-a-known-token-at-all-0000"));
    assert.deepEqual([unknown.status, unknown.body.detail.code], [401, "ACCESS.CREDENTIAL_UNKNOWN"]);
    const viewer = await postJson(`${svc.baseUrl}/inventory/R-1/reconcile`, body, bearer(VIEWER_TOKEN));
    assert.deepEqual([viewer.status, viewer.body.code, viewer.body.detail.code], [403, "permission_denied", "ACCESS.ROLE_TOO_LOW"]);
    const pause = await postJson(`${svc.baseUrl}/invsync.operations.v1.OperationsService/PauseIngestion`, { reason: "x" }, bearer(VIEWER_TOKEN));
    assert.deepEqual([pause.status, pause.body.code], [403, "permission_denied"]);
    const status = await postJson(`${svc.baseUrl}/invsync.operations.v1.OperationsService/GetIngestionStatus`, {});
    assert.equal(status.status, 401, "operations reads need a credential too");
    assert.equal((await postJson(`${svc.baseUrl}/invsync.operations.v1.OperationsService/GetIngestionStatus`, {}, bearer(VIEWER_TOKEN))).status, 200);
    assert.equal((await api(VIEWER_TOKEN).listDiscrepancies({})).discrepancies.length, 0, "viewers read");
    assert.equal(await onHand(svc, "R-1"), "10", "nothing changed");

    const grpcError = await unary(clients.reconciliation, "overrideStockCount", { sku: "R-1" }).then(
      () => assert.fail("expected a refusal"),
      (e: grpc.ServiceError) => e,
    );
    assert.deepEqual([grpcError.code, errorDetailFromGrpc(grpcError)?.code], [grpc.status.UNAUTHENTICATED, "ACCESS.CREDENTIAL_MISSING"]);
    const viewerMeta = new grpc.Metadata();
    viewerMeta.set("authorization", `Bearer ${VIEWER_TOKEN}`);
    const denied = await unary(clients.operations, "resumeIngestion", {}, viewerMeta).then(
      () => assert.fail("expected a refusal"),
      (e: grpc.ServiceError) => e,
    );
    assert.equal(denied.code, grpc.status.PERMISSION_DENIED);
    assert.ok(valueOf(await scrape(svc.baseUrl), 'invsync_operator_calls_refused_total{code="ACCESS.ROLE_TOO_LOW"}') >= 3, "the viewer refusals are counted");
  });

  it("POST /inventory/{sku}/reconcile: a stale expectation is 409 with the current value; the right one updates stock, publishes StockOverridden and writes an audit row", async () => {
    const body = { countedOnHand: "6", expectedOnHand: "9", reason: "OVERRIDE_REASON_PHYSICAL_COUNT", note: "shelf recount" };
    const stale = await postJson(`${svc.baseUrl}/inventory/R-2/reconcile`, body, bearer(OPERATOR_TOKEN));
    assert.deepEqual([stale.status, stale.body.code, stale.body.detail.code], [409, "aborted", "RECONCILIATION.STALE_EXPECTATION"]);
    assert.equal(stale.body.detail.metadata.current_on_hand, "10");
    assert.equal(await onHand(svc, "R-2"), "10");

    const done = await postJson(`${svc.baseUrl}/inventory/R-2/reconcile`, { ...body, expectedOnHand: "10" }, { ...bearer(OPERATOR_TOKEN), "x-request-id": "override-r2" });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.deepEqual([done.body.location.onHand, done.body.location.version, done.body.shortfall], ["6", "2", "0"]);
    assert.equal(await onHand(svc, "R-2"), "6");
    const events = await readEvents(svc.config.natsUrl, svc.stream.stream, 1, { filterSubject: `${svc.stream.subjectPrefix}.v1.stock_overridden.>` });
    assert.equal(events.length, 1);
    const { event } = events[0]!;
    assert.deepEqual([event.type, event.source, event.delta, event.eventId], [EventType.STOCK_OVERRIDDEN, EventSource.OPERATOR, -4n, done.body.eventId]);
    assert.equal(event.cause?.kind.case, "operator");
    assert.deepEqual(event.cause?.kind.value, { $typeName: "invsync.events.v1.OperatorCause", actor: "test-operator", reason: "PHYSICAL_COUNT", note: "shelf recount", requestId: "override-r2", expectedOnHand: 10n, discrepancyId: 0n });

    const audit = await api(VIEWER_TOKEN).listAuditEntries({ sku: "R-2" });
    assert.equal(audit.entries.length, 1);
    const [entry] = audit.entries;
    assert.deepEqual(
      [entry!.auditId, entry!.actor, entry!.role, entry!.action, entry!.reason, entry!.note, entry!.requestId],
      [BigInt(done.body.auditId), "test-operator", "operator", "stock_overridden", "PHYSICAL_COUNT", "shelf recount", "override-r2"],
    );
    assert.deepEqual([entry!.before?.onHand, entry!.after?.onHand], [10, 6]);
    const [line] = logged("stock overridden").filter((l) => l.sku === "R-2");
    assert.deepEqual(
      [line?.actor, line?.role, line?.reason, line?.note, line?.requestId, line?.auditId, (line?.after as { onHand?: number })?.onHand],
      ["test-operator", "operator", "PHYSICAL_COUNT", "shelf recount", "override-r2", Number(done.body.auditId), 6],
      "the override is logged at info with the operator and the note",
    );
  });

  it("overrides over gRPC with the token in metadata", async () => {
    const meta = new grpc.Metadata();
    meta.set("authorization", `Bearer ${OPERATOR_TOKEN}`);
    const response = await unary(clients.reconciliation, "overrideStockCount", { sku: "R-3", countedOnHand: "12", expectedOnHand: "10", reason: "OVERRIDE_REASON_FOUND", note: "pallet behind the rack" }, meta);
    assert.equal(response.location.onHand, "12");
    assert.equal(await onHand(svc, "R-3"), "12");
  });

  it("runs a snapshot sent in pages: finds the mismatches, auto-resolves within tolerance (event), opens the rest for review", async () => {
    const client = api();
    const begun = await client.beginSnapshot({ wmsId: "wms-r", snapshotRef: "nightly", takenAt: { seconds: BigInt(Math.floor(Date.now() / 1000) - 60), nanos: 0 } });
    const counts = Array.from({ length: 20 }, (_, i) => ({ sku: `R-${i + 1}`, quantity: 10n }));
    counts[9] = { sku: "R-10", quantity: 11n };
    counts[10] = { sku: "R-11", quantity: 30n };
    counts[1] = { sku: "R-2", quantity: 6n };
    counts[2] = { sku: "R-3", quantity: 12n };
    await client.addSnapshotCounts({ runId: begun.run!.runId, counts: counts.slice(0, 8) });
    const added = await client.addSnapshotCounts({ runId: begun.run!.runId, counts: counts.slice(8) });
    assert.equal(added.lines, 20n);
    const { run } = await client.completeSnapshot({ runId: begun.run!.runId, expectedLines: 20n });
    assert.deepEqual([run!.status, run!.source], [RunStatus.COMPLETED, SnapshotSource.API]);
    const r = run!.result!;
    assert.deepEqual([r.recordsCompared, r.mismatchedSkus, r.autoResolved, r.opened, r.discrepancyRate], [18n, 2n, 1n, 1n, 2 / 18]);
    assert.equal(r.inFlight, 2n, "R-2 and R-3 were overridden after the snapshot was taken");
    assert.equal(await onHand(svc, "R-10"), "11");
    const [auto] = await readEvents(svc.config.natsUrl, svc.stream.stream, 1, { filterSubject: `${svc.stream.subjectPrefix}.v1.discrepancy_auto_resolved.>` });
    assert.deepEqual([auto!.event.sku, auto!.event.source, auto!.event.cause?.kind.case], ["R-10", EventSource.RECONCILIATION, "reconciliation"]);

    const open = await client.listDiscrepancies({ status: DiscrepancyStatus.OPEN });
    assert.deepEqual(open.discrepancies.map((d) => [d.sku, d.ours, d.theirs, d.currentOnHand]), [["R-11", 10n, 30n, 10n]]);
    const OPEN = 'invsync_discrepancies_open{kind="count_mismatch"}';
    await waitFor("the open-discrepancy gauge to count R-11", async () => valueOf(await scrape(svc.baseUrl), OPEN) === 1);
    const resolved = await client.resolveDiscrepancy({ discrepancyId: open.discrepancies[0]!.discrepancyId, resolution: DiscrepancyResolution.ACCEPT_WMS_COUNT, note: "recount confirmed" });
    assert.deepEqual([resolved.discrepancy!.status, resolved.discrepancy!.resolvedBy], [DiscrepancyStatus.RESOLVED, "test-operator"]);
    assert.equal(await onHand(svc, "R-11"), "30");
    assert.ok(Math.abs(valueOf(await scrape(svc.baseUrl), "invsync_discrepancy_rate") - 2 / 18) < 1e-9, "the last run's discrepancy rate");

    const completed = logged("reconciliation run completed").find((l) => l.runId === Number(run!.runId));
    assert.deepEqual([completed?.source, completed?.autoResolved, completed?.opened, completed?.inFlight], ["api", 1, 1, 2], "each run is logged with its decisions");
    assert.deepEqual(logged("discrepancy auto resolved").map((l) => [l.sku, l.actor, l.role]), [["R-10", "system:reconciliation", "system"]]);
    assert.deepEqual(logged("discrepancy resolved").map((l) => [l.sku, l.actor, l.note]), [["R-11", "test-operator", "recount confirmed"]]);
    const samples = await scrape(svc.baseUrl);
    assert.equal(valueOf(samples, 'invsync_discrepancy_resolution_seconds_count{kind="count_mismatch",by="auto"}'), 1);
    assert.equal(valueOf(samples, 'invsync_discrepancy_resolution_seconds_count{kind="count_mismatch",by="operator"}'), 1);
    // get, not valueOf: a gauge gone missing must not pass for "none open".
    await waitFor("the open-discrepancy gauge to show none open", async () => (await scrape(svc.baseUrl)).get(OPEN) === 0);
  });

  it("runs a dropped snapshot file and moves it to processed/ with its report; a bad file goes to failed/", async () => {
    dropFile(dropDir, "nightly.snapshot.csv", `sku,quantity,observed_at\nR-12,10,${minutesAgo(1)}\nR-13,7,${minutesAgo(1)}\n`);
    dropFile(dropDir, "broken.snapshot.csv", `sku,quantity,observed_at\nR-12,ten,${minutesAgo(1)}\n`);
    const report = await dropReport(dropDir, "nightly.snapshot.csv");
    assert.equal(report.status, "processed");
    assert.deepEqual([report.result.mismatchedRecords, report.result.autoResolved, report.result.opened], [1, 0, 1]);
    const failed = await dropReport(dropDir, "broken.snapshot.csv", "failed");
    assert.match(failed.note, /line 2: quantity must be a whole number/);
    const runs = await api().listReconciliationRuns({});
    assert.ok(runs.runs.some((run) => run.source === SnapshotSource.FILE && run.snapshotRef === "nightly.snapshot.csv"));
  });

  it("runs on demand from the WMS snapshot endpoint (with the pull auth header), and `invsync reconcile` drives the review", async () => {
    wms.snapshot = { takenAt: minutesAgo(1), counts: Array.from({ length: 5 }, (_, i) => ({ sku: `R-${15 + i}`, quantity: i === 4 ? "0" : "10" })) };
    const run = await invsync("reconcile", "run", "--pull", "--wms-id", "wms-r");
    assert.equal(run.code, 0, run.err);
    assert.deepEqual([run.out.run.source, run.out.run.result.opened], ["SNAPSHOT_SOURCE_PULL", "1"]);
    assert.equal(wms.authorization, "Bearer wms-pull-token");
    const listed = await invsync("reconcile", "discrepancies", "--status", "open", "--sku", "R-19");
    assert.equal(listed.out.discrepancies.length, 1);
    const dismissed = await invsync("reconcile", "dismiss", listed.out.discrepancies[0].discrepancyId, "--note", "bin relabelled, stock is there");
    assert.equal(dismissed.out.discrepancy.status, "DISCREPANCY_STATUS_DISMISSED");
    const override = await invsync("reconcile", "override", "R-20", "--count", "3", "--expected", "10", "--reason", "loss", "--note", "water damage");
    assert.equal(override.out.location.onHand, "3");
    const audit = await invsync("audit", "--sku", "R-19");
    assert.deepEqual(audit.out.entries.map((e: { action: string; note: string }) => [e.action, e.note]), [["discrepancy_dismissed", "bin relabelled, stock is there"]]);
    const noToken = await runReconcileCommand(["reconcile", "runs"], { serviceUrl: svc.baseUrl, token: undefined }, { out: () => undefined, err: () => undefined });
    assert.equal(noToken, 1);
  });

  it("`invsync reconcile upload` sends a local snapshot file through the API; a record that matches again is cleared", async () => {
    const local = mkdtempSync(join(tmpdir(), "invsync-upload-"));
    try {
      writeFileSync(join(local, "eu1.snapshot.csv"), `sku,location_id,quantity,observed_at\nR-13,default,10,${minutesAgo(1)}\nR-14,default,10,${minutesAgo(1)}\n`);
      const uploaded = await invsync("reconcile", "upload", "--file", join(local, "eu1.snapshot.csv"), "--wms-id", "wms-r");
      assert.equal(uploaded.code, 0, uploaded.err);
      assert.deepEqual([uploaded.out.run.source, uploaded.out.run.lines, uploaded.out.run.result.cleared], ["SNAPSHOT_SOURCE_API", "2", "1"]);
      const shown = await invsync("reconcile", "show", uploaded.out.run.runId);
      assert.equal(shown.out.run.snapshotRef, "eu1.snapshot.csv");
    } finally {
      rmSync(local, { recursive: true, force: true });
    }
  });

  it("audits pause, resume and replay with who, before, after and the request id", async () => {
    const headers = { ...bearer(OPERATOR_TOKEN), "x-request-id": "pause-1" };
    assert.equal((await postJson(`${svc.baseUrl}/invsync.operations.v1.OperationsService/PauseIngestion`, { reason: "WMS 7.2 sends wrong counts" }, headers)).status, 200);
    assert.equal((await postJson(`${svc.baseUrl}/invsync.operations.v1.OperationsService/ResumeIngestion`, {}, bearer(OPERATOR_TOKEN))).status, 200);
    assert.equal((await postJson(`${svc.baseUrl}/invsync.operations.v1.OperationsService/Replay`, { status: "rejected" }, bearer(OPERATOR_TOKEN))).status, 200);
    const paused = await api().listAuditEntries({ action: "ingestion_paused" });
    assert.equal(paused.entries.length, 1);
    const [entry] = paused.entries;
    assert.deepEqual(
      [entry!.actor, entry!.reason, entry!.requestId, entry!.before?.paused, entry!.after?.paused],
      ["test-operator", "WMS 7.2 sends wrong counts", "pause-1", false, true],
    );
    assert.equal((await api().listAuditEntries({ action: "ingestion_resumed" })).entries.length, 1);
    const [replay] = (await api().listAuditEntries({ action: "inbox_replayed" })).entries;
    assert.equal(replay!.details?.outcome, "done");
    assert.ok(existsSync(dropDir));
  });
});
