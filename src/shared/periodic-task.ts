import type { Logger } from "./logger.js";

/**
 * Runs `work` every `intervalMs` in the background, one run at a time (the next run is scheduled
 * when the previous one ends). A failing run is logged (once per distinct message) and retried at
 * the next tick; `stop()` waits for the run in progress.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private lastError: string | undefined;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly work: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  /** Starts ticking; the first run comes at once (work left over while the service was down). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops ticking and waits for the run in progress, if any. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs = this.intervalMs): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, delayMs);
  }

  private async runOnce(): Promise<void> {
    try {
      await this.work();
      if (this.lastError) this.logger.info({ task: this.name }, "background task recovered");
      this.lastError = undefined;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this.lastError) this.logger.warn({ task: this.name, err: message }, "background task failed; retrying at the next tick");
      this.lastError = message;
    }
  }
}
