#!/bin/bash
# The commands of docs/deploy.md, run as written on loopback: a fresh database, 2 web processes, 2 workers.
# Needs a local PostgreSQL (createdb/dropdb as postgres on 127.0.0.1). Usage: scripts/deploy_check.sh
# With nginx and openssl installed (apt-get install nginx-light openssl) it also puts docs/deploy.md's nginx block,
# with a self-signed certificate, in front of both web processes and checks https end to end.
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
python3 -m calfcare serve --multi-user --host 127.0.0.1 --port 18700 --forwarded-allow-ips 127.0.0.1 > ${TMPDIR:-/tmp}/web0.log 2>&1 & W0=$!
python3 -m calfcare serve --multi-user --host 127.0.0.1 --port 18701 --forwarded-allow-ips 127.0.0.1 > ${TMPDIR:-/tmp}/web1.log 2>&1 & W1=$!
python3 -m calfcare worker > ${TMPDIR:-/tmp}/wk0.log 2>&1 & K0=$!  # not the shell function: $! must be the process
python3 -m calfcare worker > ${TMPDIR:-/tmp}/wk1.log 2>&1 & K1=$!
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

command -v nginx >/dev/null && command -v openssl >/dev/null || { echo "no nginx/openssl: the TLS proxy part is skipped"; exit 0; }
PROXY=$(mktemp -d)
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -keyout $PROXY/calfcare.key -out $PROXY/calfcare.pem 2>/dev/null
mkdir -p $PROXY/logs
cat > $PROXY/nginx.conf <<CONF
pid $PROXY/nginx.pid;
error_log $PROXY/logs/error.log;
events {}
http {
  map \$uri \$calfcare_path { ~^/calendar/ /calendar/***; ~^/signin/ /signin/***; default \$uri; }
  log_format calfcare '\$remote_addr [\$time_local] "\$request_method \$calfcare_path" \$status \$body_bytes_sent \$request_time \$upstream_addr';
  access_log $PROXY/logs/access.log calfcare;
  client_body_temp_path $PROXY; proxy_temp_path $PROXY; fastcgi_temp_path $PROXY; uwsgi_temp_path $PROXY; scgi_temp_path $PROXY;
  upstream calfcare { server 127.0.0.1:18700; server 127.0.0.1:18701; }
  server {
    listen 127.0.0.1:18443 ssl http2;
    server_name localhost;
    ssl_certificate     $PROXY/calfcare.pem;
    ssl_certificate_key $PROXY/calfcare.key;
    client_max_body_size 200m;
    add_header Strict-Transport-Security "max-age=31536000" always;
    location / {
      proxy_pass http://calfcare;
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
}
CONF
nginx -c $PROXY/nginx.conf -p $PROXY -g 'daemon off;' & NG=$!
trap 'kill $NG $W0 $W1 $K0 $K1 2>/dev/null; wait; dropdb -h 127.0.0.1 -U postgres --force $DB; rm -rf $PROXY' EXIT
for i in $(seq 20); do curl -sk https://localhost:18443/signin >/dev/null && break; sleep 0.3; done
HEAD=$(curl -sk -D - -o /dev/null --resolve localhost:18443:127.0.0.1 https://localhost:18443/signin)
echo "$HEAD" | grep -i "strict-transport-security" || { echo "FAIL: no HSTS over https"; exit 1; }
echo "$HEAD" | grep -i "content-security-policy" >/dev/null || { echo "FAIL: no CSP through the proxy"; exit 1; }
echo "$HEAD" | grep -i "^set-cookie:.*; secure" || { echo "FAIL: the session cookie is not Secure behind https"; exit 1; }
PLAIN=$(curl -s -D - -o /dev/null http://127.0.0.1:18700/signin)
echo "$PLAIN" | grep -i "^set-cookie:.*; secure" && { echo "FAIL: a Secure cookie over plain http"; exit 1; }
for i in 1 2 3 4; do curl -sk -H "Authorization: Bearer $TOKEN" https://localhost:18443/api/v1/settings; echo; done
SPREAD=$(grep "GET /api/v1/settings" $PROXY/logs/access.log | awk '{print $NF}' | sort -u | wc -l)
[ "$SPREAD" -eq 2 ] || { echo "FAIL: the proxy used $SPREAD web process(es), not 2"; exit 1; }
SHARE=SECRET-SHARE-CODE1; FEED=SecretFeedToken0123456789abcdef
curl -sk -o /dev/null "https://localhost:18443/clinician/redeem?code=$SHARE"; curl -sk -o /dev/null "https://localhost:18443/calendar/$FEED.ics"
grep -q "/clinician/redeem" $PROXY/logs/access.log || { echo "FAIL: the proxy logged no request"; exit 1; }
grep -q -e "$SHARE" -e "$FEED" -e "$TOKEN" $PROXY/logs/access.log && { echo "FAIL: a secret in the proxy's access log"; exit 1; }
echo "https through nginx: HSTS, CSP, a Secure session cookie; requests spread over both web processes; no share code, feed or API token in the proxy's log"
