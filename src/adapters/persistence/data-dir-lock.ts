import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";

/**
 * An exclusive lock on the embedded database's data folder. PGlite does not lock its folder, and
 * two processes on one folder lose rows, so the service refuses to start when another live process
 * holds the lock. A lock left by a dead process is taken over.
 */
export class DataDirLock {
  private constructor(private readonly path: string) {}

  /** Takes the lock on `dataDir`, or throws naming the process that holds it. */
  static acquire(dataDir: string): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, "invsync.lock");
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, "wx");
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new DataDirLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const holder = Number.parseInt(readFileSync(path, "utf8"), 10);
        if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
          throw new Error(
            `the embedded database in ${dataDir} is in use by process ${holder}; stop it or set DATA_DIR to another folder`,
          );
        }
        rmSync(path, { force: true });
      }
    }
    throw new Error(`could not lock ${path}`);
  }

  /** Releases the lock. */
  release(): void {
    rmSync(this.path, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
