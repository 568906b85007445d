import { readModelSettings, startReadModel } from "./read-model-service.js";

/** `npm run example:read-model`: runs the available-stock read model until SIGINT/SIGTERM. */
const settings = readModelSettings(process.env);
const running = await startReadModel(settings, (line) => console.log(JSON.stringify({ time: new Date().toISOString(), ...line })));
const report = setInterval(() => console.log(JSON.stringify({ time: new Date().toISOString(), msg: "totals", ...running.totals })), 10_000);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    clearInterval(report);
    void running.stop().then(() => process.exit(0));
  });
}
