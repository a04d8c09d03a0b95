#!/usr/bin/env bash
# The tray's idle cost: memory (RSS, and private/anonymous from /proc/PID/smaps_rollup) with no
# window open and with the session list open, and wakeups per second over an idle minute
# (voluntary + involuntary context switches summed over all threads).
# Needs an X display with a tray host and a D-Bus session with a Secret Service and a
# notification daemon: run it through `cargo xtask bench-tray`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${KEYHOP_BIN:-$root/target/release/keyhop}
out=${KEYHOP_BENCH_OUT:-$root/target/bench}
idle=${KEYHOP_IDLE_SECONDS:-60}
mkdir -p "$out"
work=$(mktemp -d)
export HOME=$work/home KEYHOP_HOME=$work/keyhop AWS_SHARED_CREDENTIALS_FILE=$work/home/.aws/credentials AWS_CONFIG_FILE=$work/home/.aws/config
mkdir -p "$HOME/.aws"
"$bin" tray & pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
sleep 3
kill -0 $pid

mem() { # RSS and anonymous/private kB of the tray process
  awk '/^Rss:/{r=$2} /^Anonymous:/{a=$2} /^Private_Clean:/{pc=$2} /^Private_Dirty:/{pd=$2}
       END{printf "rss_kb=%d anonymous_kb=%d private_kb=%d\n", r, a, pc+pd}' /proc/$pid/smaps_rollup
}
switches() { # context switches of all threads so far
  cat /proc/$pid/task/*/status | awk '/ctxt_switches/{s+=$2} END{print s}'
}

echo "no window:        $(mem)" | tee "$out/tray_idle.txt"
s0=$(switches); t0=$(date +%s.%N)
sleep "$idle"
s1=$(switches); t1=$(date +%s.%N)
rate=$(awk -v a="$s0" -v b="$s1" -v t0="$t0" -v t1="$t1" 'BEGIN{printf "%.3f", (b-a)/(t1-t0)}')
echo "idle wakeups:     $rate per second over ${idle}s ($((s1 - s0)) context switches, $(ls /proc/$pid/task | wc -l) threads)" | tee -a "$out/tray_idle.txt"

# Open the session list the way a second `keyhop tray` does, then measure again.
"$bin" tray >/dev/null
sleep 3
echo "session list open: $(mem)" | tee -a "$out/tray_idle.txt"
echo "results: $out/tray_idle.txt"
