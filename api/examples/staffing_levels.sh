#!/usr/bin/env sh
# staffing_levels: the service with curl. Start it with: opsplan serve --port 8000
# With API keys configured, add: -H "X-API-Key: $OPSPLAN_KEY"
set -eu
BASE=${BASE:-http://127.0.0.1:8000}
HERE=$(dirname "$0")
REQ="$HERE/staffing_levels.request.json"

curl -sS "$BASE/v1/models/staffing_levels/schema" > /dev/null
curl -sS -X POST "$BASE/v1/validate" -H 'Content-Type: application/json' --data-binary @"$REQ"
echo
curl -sS -X POST "$BASE/v1/solve" -H 'Content-Type: application/json' --data-binary @"$REQ"
echo
JOB=$(curl -sS -X POST "$BASE/v1/jobs" -H 'Content-Type: application/json' --data-binary @"$REQ" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
curl -sS -N --max-time 60 "$BASE/v1/jobs/$JOB/events"
curl -sS "$BASE/v1/jobs/$JOB"
echo
curl -sS "$BASE/v1/jobs/$JOB/result"
echo
