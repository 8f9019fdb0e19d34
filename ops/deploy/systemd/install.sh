#!/usr/bin/env bash
# Installs Tidemark as systemd services, from a built checkout (npm ci && npm run build):
#   the program under /opt/tidemark (production dependencies only) and /usr/local/bin/tidemark,
#   a system user `tidemark`, the units in /etc/systemd/system, and, unless they exist already,
#   /etc/tidemark/tidemark.yml (+ alertmanager.yml, rules/) and one /etc/tidemark/<role>.env per role.
#
#   sudo bash ops/deploy/systemd/install.sh                # single host: tidemark up, embedded bus
#   sudo bash ops/deploy/systemd/install.sh --distributed  # config for the separate roles on Kafka and Redis
#
# DESTDIR=/some/dir stages every file under that directory instead (packaging, tests): no user is
# created and systemd is not reloaded. Existing configuration and environment files are kept.
set -euo pipefail

distributed=0
for arg in "$@"; do
  case "$arg" in
    --distributed) distributed=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
deploy=$(dirname "$here")
repo=$(cd "$deploy/../.." && pwd)
dest=${DESTDIR:-}
prefix=/opt/tidemark

if [ ! -f "$repo/dist/ops/cli/main.js" ]; then
  echo "install.sh: $repo/dist/ops/cli/main.js is missing: run npm ci && npm run build first" >&2
  exit 1
fi

if [ -z "$dest" ] && ! id tidemark >/dev/null 2>&1; then
  useradd --system --user-group --home-dir /var/lib/tidemark --no-create-home \
    --shell /usr/sbin/nologin --comment "Tidemark monitoring pipeline" tidemark
fi

# The program: build output and production dependencies, replaced as a whole on upgrade.
install -d -m 0755 "$dest$prefix"
rm -rf "$dest$prefix/dist" "$dest$prefix/node_modules"
cp -R "$repo/dist" "$repo/package.json" "$repo/package-lock.json" "$repo/README.md" "$dest$prefix/"
cp -R "$repo/node_modules" "$dest$prefix/node_modules"
# Offline: removes what only development needs (compiler, test runner, linters).
(cd "$dest$prefix" && npm prune --omit=dev --no-audit --no-fund >/dev/null)
chmod 0755 "$dest$prefix/dist/ops/cli/main.js"
install -d -m 0755 "$dest/usr/local/bin"
ln -sfn "$prefix/dist/ops/cli/main.js" "$dest/usr/local/bin/tidemark"

# Configuration: never overwrite what an operator edited.
install -d -m 0755 "$dest/etc/tidemark" "$dest/etc/tidemark/rules"
copy_if_absent() { [ -e "$2" ] || install -m 0644 "$1" "$2"; }
if [ "$distributed" = 1 ]; then
  copy_if_absent "$deploy/tidemark.distributed.yml" "$dest/etc/tidemark/tidemark.yml"
else
  copy_if_absent "$deploy/tidemark.yml" "$dest/etc/tidemark/tidemark.yml"
fi
copy_if_absent "$deploy/alertmanager.yml" "$dest/etc/tidemark/alertmanager.yml"
for f in "$deploy"/rules/*.yml; do copy_if_absent "$f" "$dest/etc/tidemark/rules/$(basename "$f")"; done
for f in "$here"/env/*.env; do copy_if_absent "$f" "$dest/etc/tidemark/$(basename "$f")"; done

install -d -m 0755 "$dest/etc/systemd/system"
for f in "$here"/*.service; do install -m 0644 "$f" "$dest/etc/systemd/system/$(basename "$f")"; done

if [ -z "$dest" ]; then
  install -d -m 0750 -o tidemark -g tidemark /var/lib/tidemark
  if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
  if [ "$distributed" = 1 ]; then
    echo "Installed. Edit /etc/tidemark/tidemark.yml and /etc/tidemark/<role>.env, then e.g.: systemctl enable --now tidemark-store"
  else
    echo "Installed. Start it: systemctl enable --now tidemark   (API on :9090)"
  fi
fi
