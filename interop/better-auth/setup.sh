#!/usr/bin/env bash
# Installs the pinned npm tree of the Better Auth interop harness (npm ci), idempotently.
#
#   interop/better-auth/setup.sh        # no-op when node_modules already matches the lockfile
#   FORCE=1 interop/better-auth/setup.sh
#
# better-sqlite3 has no prebuilt binary reachable here, so it is compiled with node-gyp against the
# headers of the running node (Debian's nodejs ships them in /usr/include/node). Progress on stderr.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

log() { printf '[interop/better-auth] %s\n' "$*" >&2; }

command -v node >/dev/null || { log "node not found"; exit 1; }
command -v npm >/dev/null || { log "npm not found"; exit 1; }

stamp=node_modules/.aphex-setup-stamp
# Everything that decides what ends up in node_modules: the lockfile, package.json, and the node
# ABI the native addon is compiled for.
want="$(cat package-lock.json package.json | sha256sum | cut -d' ' -f1) node-$(node -p 'process.version + "-abi" + process.versions.modules')"

if [[ -z "${FORCE:-}" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] &&
  node -e 'new (require("better-sqlite3"))(":memory:").close(); require("pg"); require("mongodb")' 2>/dev/null; then
  log "node_modules up to date ($(node -v))"
  exit 0
fi

# node-gyp: use the local headers instead of downloading them from nodejs.org.
if [[ -z "${npm_config_nodedir:-}" ]]; then
  prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
  if [[ -f "$prefix/include/node/node.h" && -f "$prefix/include/node/common.gypi" ]]; then
    export npm_config_nodedir="$prefix"
  else
    log "warning: no node headers under $prefix/include/node; node-gyp will try to download them"
  fi
fi
# Skip prebuild-install's download attempt (GitHub is not reachable); go straight to node-gyp.
export npm_config_build_from_source=better-sqlite3

log "npm ci (node $(node -v), npm $(npm -v), nodedir=${npm_config_nodedir:-<download>}); compiling better-sqlite3 takes ~2 min on 2 cores"
start=$SECONDS
rm -f "$stamp"
# npm 11 warns about the env-only configs above ("Unknown env config"); drop just those lines.
npm ci --no-audit --no-fund --loglevel=warn 2> >(grep -v 'Unknown env config\|Unknown user config' >&2) >&2

node -e 'const D = require("better-sqlite3"); const d = new D(":memory:"); d.prepare("select 1").get(); d.close(); require("pg")' ||
  { log "better-sqlite3 did not load after npm ci"; exit 1; }
printf '%s\n' "$want" >"$stamp"
log "done in $((SECONDS - start)) s"
