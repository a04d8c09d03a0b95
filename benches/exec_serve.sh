#!/usr/bin/env bash
# What handing credentials to a tool costs: `keyhop exec A -- true` next to a bare `true` (a
# session with a cached token: keyring + state, no STS call), `keyhop export`, and the latency of
# one `keyhop serve` request (keep-alive and a new connection each), as a client sees it.
# Run it through `cargo xtask bench`, which starts moto and a Secret Service first.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
serve_pid=
on_exit() { if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; fi; }
new_user
echo "$secret" | "$bin" session add iam-user --alias cached --profile cached --region us-east-1 --access-key-id "$akid" >/dev/null
"$bin" exec cached -- true   # fills the keyring cache

hyperfine --style basic --warmup 3 --runs "${KEYHOP_BENCH_RUNS:-30}" -N \
    --export-markdown "$out/exec.md" --export-json "$out/exec.json" \
    -n 'true (bare)' "true" \
    -n 'keyhop exec cached -- true' "$bin exec cached -- true" \
    -n 'keyhop export cached' "$bin export cached"

# serve: the export lines on stdout, then requests with the token.
"$bin" serve cached > "$work/serve.env" 2>"$work/serve.log" &
serve_pid=$!
for _ in $(seq 100); do grep -q AWS_CONTAINER_AUTHORIZATION_TOKEN "$work/serve.env" 2>/dev/null && break; sleep 0.1; done
# shellcheck disable=SC1091
. "$work/serve.env"
python3 - "$out/serve.txt" <<'PY'
import http.client, os, statistics, sys, time, urllib.parse
url = urllib.parse.urlparse(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
headers = {"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]}
def timed(n, keep_alive):
    conn, times = None, []
    for _ in range(n):
        if conn is None or not keep_alive:
            conn = http.client.HTTPConnection(url.hostname, url.port)
        t = time.perf_counter()
        conn.request("GET", url.path, headers=headers)
        r = conn.getresponse(); body = r.read()
        times.append(time.perf_counter() - t)
        assert r.status == 200 and b"SecretAccessKey" in body, r.status
        if not keep_alive:
            conn.close()
    times.sort()
    return statistics.median(times) * 1e6, times[int(len(times) * 0.99) - 1] * 1e6
lines = []
for name, n, ka in [("keep-alive", 2000, True), ("new connection each", 500, False)]:
    timed(50, ka)
    med, p99 = timed(n, ka)
    lines.append(f"keyhop serve, {name}: median {med:.0f} us, p99 {p99:.0f} us over {n} requests")
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
echo "results: $out/exec.md, $out/serve.txt"
