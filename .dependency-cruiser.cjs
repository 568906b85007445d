/**
 * The dependency rule of ARCHITECTURE.md, made executable (`npm run check:deps`, part of `npm test`):
 * shared ← domain ← application ← adapters ← main.ts. Domain and application code import no
 * generated code, database, bus, transport, flag, logging, metrics or tracing library, and no environment.
 */
const INFRASTRUCTURE = "^node_modules/(knex|pg|knex-pglite|@electric-sql|@nats-io|@connectrpc|@grpc|grpc-health-check|unleash-client|pino|prom-client|@opentelemetry|@bufbuild)/";
const CORE = "^src/(shared|[^/]+/domain|[^/]+/application|outbox)/";

module.exports = {
  forbidden: [
    {
      name: "core-imports-no-infrastructure",
      comment: "Domain, application and outbox logic depend on ports, not on libraries of the outside world.",
      severity: "error",
      from: { path: CORE },
      to: { path: INFRASTRUCTURE },
    },
    {
      name: "core-imports-no-generated-code",
      comment: "gen/ types are converted in adapters/rpc, adapters/messaging and the ACL only.",
      severity: "error",
      from: { path: CORE },
      to: { path: "^gen/" },
    },
    {
      name: "core-imports-no-adapters",
      comment: "Dependencies point inward.",
      severity: "error",
      from: { path: CORE },
      to: { path: "^src/(adapters|config|main\\.ts|cli\\.ts|wms-ingestion/acl)" },
    },
    {
      name: "domain-imports-only-domain-and-shared",
      comment: "A domain knows nothing of use cases.",
      severity: "error",
      from: { path: "^src/[^/]+/domain/" },
      to: { path: "^src/", pathNot: "^src/(shared/|[^/]+/domain/)" },
    },
    {
      name: "only-main-wires-adapters",
      comment: "main.ts is the composition root; adapters do not know each other's modules beyond shared helpers.",
      severity: "error",
      from: { path: "^src/(?!main\\.ts|cli\\.ts)" },
      to: { path: "^src/(main|cli)\\.ts$" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
    exclude: { path: "\\.test\\.ts$" },
  },
};
