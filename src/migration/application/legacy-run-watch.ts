import type { Logger } from "../../shared/logger.js";
import type { ShadowComparator } from "./shadow-comparator.js";

/**
 * Polls for finished legacy runs and starts a shadow comparison after each one. A failed poll is
 * logged and tried again at the next interval.
 */
export class LegacyRunWatch {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();

  constructor(
    private readonly comparator: ShadowComparator,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Starts polling (the first poll right away). */
  start(): void {
    if (this.timer) return;
    const tick = (): void => {
      this.round = this.comparator.compareAfterLegacyRun().then(
        () => undefined,
        (error: unknown) => this.logger.warn({ err: String(error) }, "legacy run check failed; retrying at the next interval"),
      );
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
  }

  /** Stops polling and waits for a comparison under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.round;
  }
}
