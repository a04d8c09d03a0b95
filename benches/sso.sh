#!/usr/bin/env bash
# IAM Identity Center end to end as processes, against the rig's SSO server (Python) and moto:
# - `keyhop sso sync` of 300 assignments (30 accounts x 10 roles, the portal's pages of 20),
#   first (adds 300 sessions) and again (nothing to change: the listing calls alone);
# - `keyhop session start` of an SSO session with a valid access token (keyring + GetRoleCredentials + write);
# - `keyhop session list --json` with 300 sessions.
# Run it through `cargo xtask bench`, which starts moto, the SSO server and a Secret Service.
set -euo pipefail
: "${KEYHOP_TEST_SSO:?run this through: cargo xtask bench}"
. "$(dirname "$0")/lib.sh"
export AWS_ENDPOINT_URL_SSO=$KEYHOP_TEST_SSO AWS_ENDPOINT_URL_SSO_OIDC=$KEYHOP_TEST_SSO

accounts=$(python3 - <<'PY'
import json
print(json.dumps({"accounts": [
    {"accountId": f"{100000000000 + a}", "accountName": f"Acct{a:02d}", "emailAddress": f"a{a}@example.com",
     "roles": [f"Role{r}" for r in range(10)]} for a in range(30)], "page_size": 20}))
PY
)
start_url=$(curl -sf -XPOST "$KEYHOP_TEST_SSO/_rig/tenants" -d "$accounts" | python3 -c 'import json,sys; print(json.load(sys.stdin)["start_url"])')
printf '#!/bin/sh\ncurl -sfL "$1" >/dev/null\n' > "$work/browser"
chmod +x "$work/browser"

"$bin" sso add --name bench --start-url "$start_url" --region us-east-1 >/dev/null
BROWSER=$work/browser "$bin" sso login bench --timeout 30 >/dev/null 2>&1

s=$(date +%s.%N)
"$bin" sso sync bench | tail -1
e=$(date +%s.%N)
first=$(python3 -c "print(f'{($e - $s) * 1000:.0f}')")
echo "first sync of 300 assignments: ${first} ms" | tee "$out/sso_sync_first.txt"
test "$("$bin" session list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 300

hyperfine --style basic --warmup 2 --runs "${KEYHOP_BENCH_RUNS:-30}" \
    --export-markdown "$out/sso.md" --export-json "$out/sso.json" \
    -n 'keyhop session start of an SSO session (valid token: GetRoleCredentials + write)' "$bin session start Acct07/Role3" \
    -n 'keyhop session list --json (300 sessions)' "$bin session list --json" \
    -n 'keyhop sso sync, nothing to change (30 accounts x 10 roles, pages of 20)' "$bin sso sync bench"

# The written profile must work, or the numbers mean nothing.
aws sts get-caller-identity --profile Acct07-Role3 --query Arn --output text
echo "results: $out/sso.md, $out/sso_sync_first.txt"
