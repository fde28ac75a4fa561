#!/bin/bash
# Lighthouse 12.2.3 (mobile emulation, its simulated slow 4G and 4x CPU slow-down) on every page of a runner with a
# plan: `calfcare serve` on a throw-away SQLite database holding the example assessment. Prints the four category
# scores and FCP / LCP / TBT / CLS of each page; docs/design.md ("Lighthouse") records them.
# Needs Node 20 + npm (lighthouse is installed into a temporary folder: `npm i -E lighthouse@12.2.3`) and Chromium
# (CHROME_PATH, default /usr/bin/chromium). Usage: scripts/lighthouse_pages.sh [port]
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${1:-18900}
WORK=$(mktemp -d)
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
export CALFCARE_DATABASE_URL=sqlite:///$WORK/lighthouse.db CALFCARE_RUNNER=me PYTHONPATH=$PWD/src
(cd "$WORK" && npm i -E --silent lighthouse@12.2.3 >/dev/null)
python3 -m calfcare assess --answers examples/soleus-build-up.json >/dev/null || [ $? -eq 0 ]
python3 -m calfcare serve --port "$PORT" >"$WORK/serve.log" 2>&1 & SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/today" >/dev/null && break; sleep 0.2; done
for page in today checkin triage/1 recovery training learn settings; do
  out="$WORK/$(echo "$page" | tr / _).json"
  for attempt in 1 2; do  # a trace can fail to record on a busy machine (NO_NAVSTART): try once more
    "$WORK/node_modules/.bin/lighthouse" "http://127.0.0.1:$PORT/$page" --quiet --output=json --output-path="$out" \
      --chrome-flags="--headless=new --no-sandbox --disable-gpu" >/dev/null 2>&1 || true
    python3 -c "import json,sys; sys.exit(1 if json.load(open('$out')).get('runtimeError') else 0)" 2>/dev/null && break
  done
  python3 - "$page" "$out" <<'PY'
import json, sys
page, path = sys.argv[1], sys.argv[2]
d = json.load(open(path))
scores = " ".join(f"{k} {round((v['score'] or 0) * 100)}" for k, v in d["categories"].items())
a = d["audits"]
timing = " ".join(f"{k} {a[i].get('displayValue', '?')}" for k, i in (
    ("FCP", "first-contentful-paint"), ("LCP", "largest-contentful-paint"), ("TBT", "total-blocking-time"),
    ("CLS", "cumulative-layout-shift")))
print(f"/{page}: {scores} | {timing}")
PY
done
