#!/usr/bin/env bash
# Configuration is read once, in src/config/ (and the CLI entry that hands process.env to it).
# Anywhere else, reading the environment is a defect: it hides configuration from the README table.
set -euo pipefail
cd "$(dirname "$0")/.."
offenders=$(grep -rln "process\.env" src --include='*.ts' | grep -v -E '^src/(config/|cli\.ts$)|\.test\.ts$' || true)
if [ -n "$offenders" ]; then
  echo "process.env is read outside src/config/ in:" >&2
  echo "$offenders" >&2
  exit 1
fi
echo "env access: only src/config/ and src/cli.ts read process.env"
