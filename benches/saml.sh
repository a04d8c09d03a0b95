#!/usr/bin/env bash
# IAM Role Federated (SAML 2.0) through the sign-in window (keyhop-signin), against the rig's
# SAML IdP and moto:
# - `keyhop session start` of a SAML session with a live IdP cookie: the window signs in
#   silently (never shown), the assertion goes to AssumeRoleWithSAML, the profile is written;
# - the window's memory while it shows the IdP's login form: keyhop-signin and the WebKit
#   processes it starts (RSS, and anonymous from /proc/PID/smaps_rollup); after it closed, the
#   processes left (none: the memory goes with them).
# Needs Xvfb and xdotool (it starts its own display). Run it through `cargo xtask bench`, which
# starts moto, the rig's IdP and a Secret Service.
set -euo pipefail
: "${KEYHOP_TEST_SSO:?run this through: cargo xtask bench}"
. "$(dirname "$0")/lib.sh"
xvfb=
on_exit() { if [ -n "$xvfb" ]; then kill "$xvfb" 2>/dev/null || true; fi; }

Xvfb -displayfd 5 -screen 0 1280x800x24 -nolisten tcp 5>"$work/display" 2>"$work/xvfb.log" & xvfb=$!
for _ in $(seq 100); do [ -s "$work/display" ] && break; sleep 0.1; done
export DISPLAY=":$(head -1 "$work/display")" NO_AT_BRIDGE=1

role=arn:aws:iam::111111111111:role/Admin
idp_url=$(curl -sf -XPOST "$KEYHOP_TEST_SSO/_rig/saml/idps" \
    -d "{\"roles\": [{\"role\": \"$role\", \"provider\": \"arn:aws:iam::111111111111:saml-provider/rig\"}]}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["sso_url"])')
"$bin" session add saml --alias fed --profile fed --region us-east-1 --idp-url "$idp_url?role=$role" \
    --role-arn "$role" --principal-arn arn:aws:iam::111111111111:saml-provider/rig >/dev/null

# The first start shows the IdP's login form: measure the window there, then sign in.
"$bin" session start fed >"$work/first.log" 2>&1 & first=$!
win=
for _ in $(seq 300); do
    win=$(xdotool search --onlyvisible --name '^Sign in to ' 2>/dev/null | head -1 || true)
    [ -n "$win" ] && break
    sleep 0.1
done
[ -n "$win" ] || { echo "no sign-in window after 30 s" >&2; cat "$work/first.log" >&2; exit 1; }
sleep 3
mem() { # RSS and anonymous kB of keyhop-signin and its WebKit processes
    local signin pids
    signin=$(ps --ppid "$first" -o pid= | tr -d ' ')
    pids="$signin $(ps --ppid "$signin" -o pid= | tr '\n' ' ')"
    for p in $pids; do
        awk -v p="$p" -v c="$(cat /proc/"$p"/comm)" '/^Rss:/{r=$2} /^Anonymous:/{a=$2}
            END{printf "  %-22s rss_kb=%d anonymous_kb=%d\n", c, r, a}' /proc/"$p"/smaps_rollup
    done
}
{ echo "sign-in window showing the IdP's login form:"; mem; } | tee "$out/saml_window_memory.txt"
awk '{for (i = 1; i <= NF; i++) if ($i ~ /^(rss|anonymous)_kb=/) { split($i, kv, "="); s[kv[1]] += kv[2] } }
    END{printf "  total                  rss_kb=%d anonymous_kb=%d\n", s["rss_kb"], s["anonymous_kb"]}' \
    "$out/saml_window_memory.txt" | tee -a "$out/saml_window_memory.txt"
xdotool windowfocus --sync "$win"
sleep 0.3
xdotool type --delay 20 rig-user
xdotool key Tab
xdotool type --delay 20 rig-password
xdotool key Return
wait "$first" || { echo "the first start failed:" >&2; cat "$work/first.log" >&2; exit 1; }
# The webview lives in keyhop-signin and WebKit's processes, never in keyhop (CLI or tray): once
# the window closes, all of its memory goes with them.
sleep 1
left=$(pgrep -c -f 'keyhop-signin|WebKitWebProcess|WebKitNetworkProcess' || true)
echo "after the window closed: $left keyhop-signin/WebKit processes left" | tee -a "$out/saml_window_memory.txt"

hyperfine --style basic --warmup 1 --runs "${KEYHOP_BENCH_RUNS:-20}" \
    --export-markdown "$out/saml.md" --export-json "$out/saml.json" \
    -n 'keyhop session start of a SAML session (live IdP cookie: hidden window + AssumeRoleWithSAML + write)' \
    "$bin session start fed"

# The written profile must work, or the numbers mean nothing.
aws sts get-caller-identity --profile fed --query Arn --output text
echo "results: $out/saml.md, $out/saml_window_memory.txt"
