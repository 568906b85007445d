#!/usr/bin/env bash
# Alert gate, run by `npm test`: the Prometheus rules parse (`promtool check rules`) and their unit
# tests pass (`promtool test rules`: each alert fires on synthetic faulty series, stays silent on
# healthy ones). (That the rules and the Grafana dashboard name only metrics the service exports is
# checked against a real scrape by contract-tests/metrics.contract.test.ts.)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v promtool >/dev/null 2>&1; then
  cat >&2 <<'MSG'
alerts: promtool is not installed, so the alert rules cannot be checked.
Install it (Debian/Ubuntu: it comes with the `prometheus` package), then run npm test again:
  sudo apt-get update && sudo apt-get install -y prometheus
(.ci/run installs it by itself.)
MSG
  exit 1
fi

echo "alerts: promtool check rules"
promtool check rules ops/prometheus/alerts.yml
echo "alerts: promtool test rules"
(cd ops/prometheus && promtool test rules alerts.test.yml)
