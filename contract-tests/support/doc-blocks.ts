import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";

/** One command of a documented shell block, with the output lines the docs promise (`# → …`). */
export interface DocCommand {
  readonly command: string;
  readonly expected: readonly string[];
}

/** What running a block gave, command by command. */
export interface DocCommandResult extends DocCommand {
  readonly output: string;
  readonly exitCode: number;
}

/**
 * The ```sh block that follows `marker` (an HTML comment such as `<!-- doc-test:dispute -->`) in
 * `file`, split into commands: a line and its `\` continuations; `# → text` lines after a command
 * are the output it promises, a `#` line right after one continues it (a wrapped line), other
 * comments are ignored.
 */
export function docBlock(file: string, marker: string): DocCommand[] {
  const text = readFileSync(file, "utf8");
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`${file}: no ${marker}`);
  const fence = /```sh\n([\s\S]*?)```/.exec(text.slice(at));
  if (!fence) throw new Error(`${file}: no sh block after ${marker}`);
  const commands: Array<{ command: string; expected: string[] }> = [];
  let continuing = false;
  let expecting = false;
  for (const line of fence[1]!.split("\n")) {
    if (continuing) {
      commands[commands.length - 1]!.command += `\n${line}`;
      continuing = line.endsWith("\\");
    } else if (line.startsWith("# →")) {
      commands[commands.length - 1]!.expected.push(line.slice(3).trim());
      expecting = true;
    } else if (line.startsWith("#") && expecting) {
      const expected = commands[commands.length - 1]!.expected;
      expected[expected.length - 1] += line.replace(/^#\s*/, "");
    } else if (line.trim() !== "" && !line.startsWith("#")) {
      commands.push({ command: line, expected: [] });
      continuing = line.endsWith("\\");
      expecting = false;
    }
  }
  return commands;
}

/** Options of {@link runDocBlock}. */
export interface RunOptions {
  /** Environment of the shell (PATH and HOME are added). */
  readonly env: Record<string, string>;
  /** Text replaced in every command before it runs, e.g. the documented port by the test's. */
  readonly rewrite?: ReadonlyArray<readonly [string, string]>;
  /** Commands that only read, retried (up to 5 times, 1 s apart) until their output matches. */
  readonly retryable?: RegExp;
}

const MARK = "@@doc-command";

/**
 * Runs the commands in one bash process (so variables, aliases and `cd` carry over), each with its
 * stderr folded into its output, and returns each command's output and exit code.
 */
export async function runDocBlock(commands: readonly DocCommand[], options: RunOptions): Promise<DocCommandResult[]> {
  const results: DocCommandResult[] = [];
  const rewritten = commands.map((c) => ({ ...c, command: rewrite(c.command, options.rewrite ?? []) }));
  const script = ["set -o pipefail", "shopt -s expand_aliases"];
  rewritten.forEach((c, i) => script.push(`echo "${MARK} ${i}"`, `{\n${c.command}\n} 2>&1`, `__rc=$?; echo; echo "${MARK} rc $__rc"`));
  const { stdout } = await promisify(execFile)("bash", ["-c", script.join("\n")], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...options.env },
    maxBuffer: 16 * 1024 * 1024,
  });
  const parts = stdout.split(new RegExp(`^${MARK} (\\d+)\\n`, "m")).slice(1);
  for (let i = 0; i < parts.length; i += 2) {
    const index = Number(parts[i]);
    const body = parts[i + 1]!;
    const rc = new RegExp(`^${MARK} rc (\\d+)$`, "m").exec(body);
    const output = body.slice(0, rc?.index ?? body.length).replace(/\n+$/, "");
    results[index] = { ...rewritten[index]!, output, exitCode: Number(rc?.[1] ?? -1) };
  }
  if (options.retryable) {
    for (const [i, result] of results.entries()) {
      for (let attempt = 1; attempt < 5 && options.retryable.test(result.command) && mismatch(result) !== undefined; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const again = await runDocBlock([commands[i]!], { ...options, retryable: undefined });
        results[i] = again[0]!;
      }
    }
  }
  return results;
}

/** Why `result` breaks what the docs promise, or undefined when it keeps it. */
export function mismatch(result: DocCommandResult): string | undefined {
  const lines = result.output.split("\n").filter((line) => line.trim() !== "");
  if (result.expected.length === 0) {
    return result.exitCode === 0 ? undefined : `exit code ${result.exitCode}, output:\n${result.output}`;
  }
  let from = 0;
  for (const expected of result.expected) {
    const pattern = new RegExp(`^${expected.split("…").map(escape).join(".*")}$`);
    const found = lines.findIndex((line, i) => i >= from && pattern.test(line.trim()));
    if (found < 0) return `expected a line like\n  ${expected}\nin the output:\n${result.output}`;
    from = found + 1;
  }
  return undefined;
}

function rewrite(command: string, pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.reduce((text, [from, to]) => text.split(from).join(to), command);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
