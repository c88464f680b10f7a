#!/usr/bin/env bash
# `make run`: web, mailroom, courier and the fake provider in the background of this terminal, logs under
# var/log/, and what to try printed once everything answers. Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p var/log "${SPOOL_DIR:-var/spool}"
# web refuses to start without a real SECRET_KEY: the demo generates one once into var/ and reuses it, so
# sessions survive a restart (an operator's own SECRET_KEY wins)
if [ -z "${SECRET_KEY:-}" ]; then
  [ -s var/secret_key ] || (umask 077 && python3 -c "import secrets; print(secrets.token_urlsafe(48))" >var/secret_key)
  SECRET_KEY="$(cat var/secret_key)"
  export SECRET_KEY
fi
# email (password resets, invitations, flows' send_email): without an SMTP_URL of the operator's, a local SMTP
# server that writes every message to var/log/mail.log
if [ -z "${SMTP_URL:-}" ]; then
  "$BIN/python" -m aiosmtpd -n -l 127.0.0.1:8025 >var/log/mail.log 2>&1 &
  SMTP_PID=$!
  export SMTP_URL="smtp://127.0.0.1:8025/?from=upesi@localhost"
fi
pids=(${SMTP_PID:-})
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

port_of() { python3 -c "import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1]).port or 80)" "$1"; }
"$BIN/python" -m upesi.devtools.fake_provider --port "$(port_of "$FAKE_PROVIDER_URL")" >var/log/fake_provider.log 2>&1 & fake_pid=$!
"$BIN/upesi" web --port "$(port_of "$WEB_URL")" >var/log/web.log 2>&1 & web_pid=$!
"$BIN/upesi" mailroom --port "$(port_of "$MAILROOM_URL")" >var/log/mailroom.log 2>&1 & mailroom_pid=$!
"$BIN/upesi" courier --port "$(port_of "$COURIER_URL")" >var/log/courier.log 2>&1 & courier_pid=$!
pids+=("$fake_pid" "$web_pid" "$mailroom_pid" "$courier_pid")

# a loaded machine can take a while to import the web app: wait up to START_TIMEOUT seconds (120), saying who
# we wait for, and stop at once naming a service that exited
declare -A health=([web]="$WEB_URL/health" [mailroom]="$MAILROOM_URL/health" [courier]="$COURIER_URL/health"
                   [fake_provider]="$FAKE_PROVIDER_URL/sent")
declare -A pid_of=([web]=$web_pid [mailroom]=$mailroom_pid [courier]=$courier_pid [fake_provider]=$fake_pid)
limit=${START_TIMEOUT:-120}
waiting=(web mailroom courier fake_provider)
started=$SECONDS
while [ ${#waiting[@]} -gt 0 ] && [ $((SECONDS - started)) -lt "$limit" ]; do
  still=()
  for name in "${waiting[@]}"; do
    if ! kill -0 "${pid_of[$name]}" 2>/dev/null; then
      [ -t 1 ] && printf '\n'
      echo "$name exited before it answered ${health[$name]}: see var/log/$name.log" >&2
      exit 1
    fi
    curl -fs --max-time 2 -o /dev/null "${health[$name]}" || still+=("$name")
  done
  waiting=("${still[@]}")
  [ ${#waiting[@]} -eq 0 ] && break
  elapsed=$((SECONDS - started))
  if [ -t 1 ]; then printf '\rstarting: waiting for %s (%d s of %d)   ' "${waiting[*]}" "$elapsed" "$limit"
  elif [ $((elapsed % 10)) -eq 0 ]; then echo "starting: waiting for ${waiting[*]} ($elapsed s of $limit)"; fi
  sleep 1
done
[ -t 1 ] && printf '\r%78s\r' ''
if [ ${#waiting[@]} -gt 0 ]; then
  for name in "${waiting[@]}"; do
    echo "$name did not answer ${health[$name]} within $limit s (the machine may be loaded: START_TIMEOUT=300 make run waits longer): see var/log/$name.log" >&2
  done
  exit 1
fi

"$BIN/upesi" demo-info --json > var/demo-info.json
"$BIN/python" - <<'PY'
import json
d = json.load(open("var/demo-info.json"))
ch = d["channels"][0]
from urllib.parse import urlencode
phone = d["fake_provider_url"] + "/phone?" + urlencode({"receive": ch["receive_url"], "from": "+15551234567"})
print(f"""
Upesi is running (logs in var/log/, Ctrl-C stops everything)

  web            {d['web_url']}        (API: {d['web_url']}/api/v2/)
  mailroom       {d['mailroom_url']}   (internal; token {d['mailroom_auth_token']})
  courier        {ch['receive_url'].split('/c/')[0]}
  fake provider  {d['fake_provider_url']}/sent   (what courier sent)
  email          var/log/mail.log unless SMTP_URL is set (password resets, invitations, flows' emails)

  new here?      sign up for a workspace of your own at {d['web_url']}/org/signup/
                 (or "Create a workspace" on the sign-in page), then add a channel: an External API channel
                 whose send URL is {d['fake_provider_url']}/send talks to the fake provider
  demo login     {d['admin_email']} / {d['admin_password']}
  API token      {d['api_token']}
  channel        {ch['type']} {ch['address']}  receive URL: {ch['receive_url']}

Try the demo conversation in the browser, as the contact +15551234567 on the fake provider's phone:
  {phone}
or with curl:
  curl -d 'from=+15551234567&text=join' {ch['receive_url']}
  curl -d 'from=+15551234567&text=Ana'  {ch['receive_url']}
  curl {d['fake_provider_url']}/sent
""")
PY
wait -n "${pids[@]}"
echo "a service stopped; see var/log/" >&2
exit 1
