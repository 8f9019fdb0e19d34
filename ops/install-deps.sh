#!/usr/bin/env bash
# Installs the system packages Tidemark's tests and benchmarks need on Debian (bookworm):
# the real services the tests start (Kafka-protocol mock via kcat/librdkafka, Redis, NATS)
# and the original programs that compatibility tests run side by side.
# Idempotent: packages already present are not fetched again.
set -euo pipefail

packages=(
  kcat librdkafka-dev gcc          # Kafka-protocol mock cluster and its launcher
  redis-server nats-server         # shared alert state, edge transport
  prometheus prometheus-alertmanager prometheus-pushgateway prometheus-node-exporter
  victoria-metrics                 # peers for side-by-side tests and benchmarks
  systemd                          # systemd-analyze verifies the units in ops/deploy/systemd
  chromium                         # the web UI's browser tests (driven by playwright-core)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  # Packages may start their own system services; the tests start their own instances instead.
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Stop the system instances a package may have started: tests bring their own on random ports.
for svc in redis-server nats-server prometheus prometheus-alertmanager prometheus-pushgateway \
  prometheus-node-exporter victoria-metrics; do
  if command -v systemctl >/dev/null 2>&1; then systemctl stop "$svc" >/dev/null 2>&1 || true; fi
  if command -v service >/dev/null 2>&1; then service "$svc" stop >/dev/null 2>&1 || true; fi
done
echo "system packages ready: ${packages[*]}"
