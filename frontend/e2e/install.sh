#!/usr/bin/env bash
# Installs what the browser tests of package frontend need: Debian's chromium and npm axe-core.
# Idempotent: does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x /usr/bin/chromium ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y --no-install-recommends chromium || { apt-get update && apt-get install -y --no-install-recommends chromium; }
fi
if [ ! -f node_modules/axe-core/axe.min.js ]; then
	if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi
