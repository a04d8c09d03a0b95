#!/usr/bin/env bash
# The tray's idle cost with $KEYHOP_BENCH_SESSIONS sessions (default 300): memory (RSS, and
# private/anonymous from /proc/PID/smaps_rollup) with no window open, with the session list
# open, and after it closed again; how long the list takes to open (request to mapped, and to
# drawn); the search's typing latency; wakeups per second over an idle period (voluntary +
# involuntary context switches summed over all threads), with and without the window.
# Needs an X display with a tray host and a D-Bus session with a Secret Service and a
# notification daemon: run it through `cargo xtask bench-tray`.
set -euo pipefail
: "${DISPLAY:?needs an X display with a tray host: run this through cargo xtask bench-tray}"
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${KEYHOP_BIN:-$root/target/release/keyhop}
out=${KEYHOP_BENCH_OUT:-$root/target/bench}
idle=${KEYHOP_IDLE_SECONDS:-60}
sessions=${KEYHOP_BENCH_SESSIONS:-300}
[ -x "$bin" ] || { echo "no $bin: cargo build --release -p keyhop" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export HOME=$work/home KEYHOP_HOME=$work/keyhop AWS_SHARED_CREDENTIALS_FILE=$work/home/.aws/credentials AWS_CONFIG_FILE=$work/home/.aws/config
export XDG_CONFIG_HOME=$HOME/.config KEYHOP_THEME=light AWS_EC2_METADATA_DISABLED=true
mkdir -p "$HOME/.aws"

# A user and roles chained from it (keys are only stored, never used while idle).
echo "bench/secret/key/0123456789abcdefghijklm" | "$bin" session add iam-user --alias bench-user --profile bench \
    --region eu-west-1 --access-key-id AKIABENCHBENCHBENCH1 >/dev/null
for i in $(seq 2 "$sessions"); do
  "$bin" session add role-chained --alias "bench-role-$i" --profile "bench-role-$i" --region eu-west-1 \
      --role-arn "arn:aws:iam::123456789012:role/Role$i" --role-session-name bench --assumer bench-user >/dev/null
done

"$bin" tray 2>"$work/tray.log" & pid=$!
# Wait until the icon is embedded in the tray host (then the tray is fully up).
for _ in $(seq 100); do
  xdotool search --onlyvisible --class tray-icon >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { echo "the tray exited:" >&2; cat "$work/tray.log" >&2; exit 1; }
  sleep 0.1
done
xdotool search --onlyvisible --class tray-icon >/dev/null || { echo "no tray icon after 10 s" >&2; exit 1; }
sleep 2

mem() { # RSS and anonymous/private kB of the tray process
  awk '/^Rss:/{r=$2} /^Anonymous:/{a=$2} /^Private_Clean:/{pc=$2} /^Private_Dirty:/{pd=$2}
       END{printf "rss_kb=%d anonymous_kb=%d private_kb=%d", r, a, pc+pd}' /proc/$pid/smaps_rollup
}
switches() { # "tid count" for each thread alive now (voluntary + involuntary context switches)
  for t in /proc/$pid/task/*; do
    awk -v t="${t##*/}" '/ctxt_switches/{s+=$2} END{print t, s}' "$t/status" 2>/dev/null
  done
}
wakeups() { # context switches per second over $idle seconds; a thread born meanwhile counts from 0
  local s0 s1 t0 t1
  s0=$(switches); t0=$(date +%s.%N)
  sleep "$idle"
  s1=$(switches); t1=$(date +%s.%N)
  printf '%s\n--\n%s\n' "$s0" "$s1" | awk -v t0="$t0" -v t1="$t1" -v idle="$idle" '
    $0 == "--" {after=1; next}
    !after {before[$1]=$2; next}
    {d += $2 - before[$1]; n++}
    END{printf "%.3f per second over %ss (%d context switches, %d threads)", d/(t1-t0), idle, d, n}'
}

echo "no window:          $(mem)" | tee "$out/tray_idle.txt"
echo "idle wakeups:       $(wakeups)" | tee -a "$out/tray_idle.txt"

list_window() { # the session list's window id, once mapped at full size
  local w
  for w in $(xdotool search --onlyvisible --name "^keyhop$" 2>/dev/null); do
    xdotool getwindowgeometry "$w" 2>/dev/null | grep -q 'Geometry: [0-9]\{3,\}x' && { echo "$w"; return 0; }
  done
  return 1
}
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# Open the session list the way a second `keyhop tray` does (that process's start and its
# message to the tray are part of the time), then measure again.
t0=$(date +%s%N)
"$bin" tray >/dev/null
win=
for _ in $(seq 1000); do win=$(list_window) && break; sleep 0.005; done
[ -n "$win" ] || { echo "the session list did not open" >&2; exit 1; }
mapped=$(ms_since "$t0")
# Drawn: the window is no longer one flat colour (a screenshot takes ~20 ms: the figure is an
# upper bound within that).
drawn=
for _ in $(seq 200); do
  sd=$(import -window "$win" -format '%[fx:standard_deviation]' info: 2>/dev/null || echo 0)
  awk -v s="$sd" 'BEGIN{exit !(s > 0.01)}' && { drawn=$(ms_since "$t0"); break; }
done
echo "list opens:         mapped after ${mapped} ms, drawn after ${drawn:-?} ms ($sessions sessions)" | tee -a "$out/tray_idle.txt"
sleep 2
echo "session list open:  $(mem)" | tee -a "$out/tray_idle.txt"
echo "idle wakeups:       $(wakeups)" | tee -a "$out/tray_idle.txt"

# Typing in the search: each digit narrows the 300 rows (about a fifth match), BackSpace brings
# them back. Per key, from xdotool's key to the rows below the search box changing on screen
# (the crop leaves out the search box, whose caret blinks). A screenshot takes ~20 ms: each
# figure is an upper bound within that.
rows() { import -window "$win" -crop 880x420+0+170 -format '%#' info: 2>/dev/null; }
key_ms() { # KEY: ms until the rows change (9999: no change within 5 s)
  local before t0 i
  before=$(rows); t0=$(date +%s%N)
  xdotool key "$1"
  for i in $(seq 500); do [ "$(rows)" != "$before" ] && { ms_since "$t0"; return; }; done
  echo 9999
}
xdotool windowfocus --sync "$win" key slash
sleep 1
typed=()
for d in 7 3 5 8 4 6 9 1; do
  typed+=("$(key_ms "$d")")
  key_ms BackSpace >/dev/null
done
sorted=$(printf '%s\n' "${typed[@]}" | sort -n)
echo "search typing:      median $(echo "$sorted" | sed -n 4p) ms, max $(echo "$sorted" | tail -1) ms per key to the redrawn rows (${typed[*]} ms; $sessions sessions)" | tee -a "$out/tray_idle.txt"

# Escape closes the list (its search is empty); the tray should give the window's memory back.
xdotool windowfocus --sync "$win" key Escape
for _ in $(seq 100); do list_window >/dev/null || break; sleep 0.05; done
list_window >/dev/null && { echo "Escape did not close the session list" >&2; exit 1; }
sleep 3
echo "list closed again:  $(mem)" | tee -a "$out/tray_idle.txt"
kill -0 $pid || { echo "the tray died:" >&2; cat "$work/tray.log" >&2; exit 1; }
echo "results: $out/tray_idle.txt"
