#!/usr/bin/env bash
# Copies the chat page's browser libraries, at the versions pinned in package-lock.json, into the
# gateway's static resources (src/main/resources/static/chat/vendor), with their licences. The copies
# are committed: the build and the gateway never fetch them. Run after changing a version here.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --ignore-scripts
out=../src/main/resources/static/chat/vendor
mkdir -p "$out"
cp node_modules/@stomp/stompjs/bundles/stomp.umd.min.js "$out/"
cp node_modules/@stomp/stompjs/LICENSE "$out/LICENSE-stompjs.txt"
cp node_modules/sockjs-client/dist/sockjs.min.js "$out/"
cp node_modules/sockjs-client/LICENSE "$out/LICENSE-sockjs-client.txt"
{
  echo "Vendored by chat-gateway/web-vendor/vendor.sh from the npm registry (versions pinned in its package-lock.json):"
  for p in @stomp/stompjs sockjs-client; do
    node -e "const p=require('./node_modules/$p/package.json'); console.log(p.name + ' ' + p.version + ' (' + p.license + ')')"
  done
  echo "sha256:"
  (cd "$out" && sha256sum stomp.umd.min.js sockjs.min.js)
} > "$out/VERSIONS.txt"
cat "$out/VERSIONS.txt"
