#!/bin/bash
# The commands of docs/deploy.md, run as written on loopback: a fresh database, 2 web processes, 2 workers.
# Needs a local PostgreSQL (createdb/dropdb as postgres on 127.0.0.1). Usage: scripts/deploy_check.sh
set -e
cd "$(dirname "$0")/.."
export PYTHONPATH=$PWD/src
calfcare() { python3 -m calfcare "$@"; }
DB=calfcare_deploy_$$
createdb -h 127.0.0.1 -U postgres $DB
export CALFCARE_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/$DB
export CALFCARE_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
calfcare db upgrade
echo "an admin password here" | calfcare user add alice-admin --role admin --password-stdin
echo "a runner password here" | calfcare user add rita --role runner --password-stdin
calfcare serve --multi-user --host 127.0.0.1 --port 18700 > ${TMPDIR:-/tmp}/web0.log 2>&1 & W0=$!
calfcare serve --multi-user --host 127.0.0.1 --port 18701 > ${TMPDIR:-/tmp}/web1.log 2>&1 & W1=$!
calfcare worker > ${TMPDIR:-/tmp}/wk0.log 2>&1 & K0=$!
calfcare worker > ${TMPDIR:-/tmp}/wk1.log 2>&1 & K1=$!
trap 'kill $W0 $W1 $K0 $K1 2>/dev/null; wait; dropdb -h 127.0.0.1 -U postgres --force $DB' EXIT
for i in $(seq 60); do curl -sf http://127.0.0.1:18700/api/v1/openapi.json >/dev/null && curl -sf http://127.0.0.1:18701/api/v1/openapi.json >/dev/null && break; sleep 0.5; done
calfcare user list
TOKEN=$(python3 - <<'PY'
from datetime import UTC, datetime
from calfcare.services import accounts
from calfcare.store import open_database
import os
db = open_database(os.environ["CALFCARE_DATABASE_URL"])
uid = next(u["id"] for u in accounts.list_users(db=db) if u["username"] == "rita")
print(accounts.create_token(db=db, user_id=uid, name="deploy-check", scope="write", now=datetime.now(UTC))[1])
PY
)
echo "settings via web 0:"; curl -s -X PUT -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"emergency_number":"112"}' http://127.0.0.1:18700/api/v1/settings; echo
echo "settings via web 1:"; curl -s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:18701/api/v1/settings; echo
python3 -c "
import zipfile,io,sys
sys.path.insert(0,'benchmarks')
from clinic_load import export_zip
from datetime import date
open('${TMPDIR:-/tmp}/export.zip','wb').write(export_zip(1, 3, date.today()))"
UP=$(curl -s -H "Authorization: Bearer $TOKEN" -F files=@${TMPDIR:-/tmp}/export.zip http://127.0.0.1:18700/api/v1/import); echo "upload via web 0: $UP"
ID=$(echo "$UP" | python3 -c 'import json,sys; print(json.load(sys.stdin)["uploads"][0]["id"])')
for i in $(seq 60); do S=$(curl -s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:18701/api/v1/uploads/$ID); echo "$S" | grep -q '"status":"\(queued\|running\)"' || break; sleep 0.5; done
echo "status via web 1: ${S:0:300}"
curl -sI http://127.0.0.1:18700/signin | grep -i "content-security\|referrer\|nosniff"
