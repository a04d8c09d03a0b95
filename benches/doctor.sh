#!/usr/bin/env bash
# `keyhop doctor` with three active sessions against moto (the clock check asks moto's STS for
# its Date): the whole report as a process. Target: under 300 ms on a quiet machine.
# Run it through `cargo xtask bench`, which starts moto and a Secret Service first.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
new_user

for p in one two three; do
    echo "$secret" | "$bin" session add iam-user --alias "$p" --profile "$p" --region us-east-1 --access-key-id "$akid" >/dev/null
    "$bin" session start "$p" >/dev/null
done
printf '[profile other]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = one\n' >> "$AWS_CONFIG_FILE"

# The report must be a real one: every check ran and none failed.
"$bin" doctor
hyperfine --style basic --warmup 3 --runs "${KEYHOP_BENCH_RUNS:-30}" \
    --export-markdown "$out/doctor.md" --export-json "$out/doctor.json" \
    -n 'keyhop doctor (3 active sessions, STS clock check on moto)' "$bin doctor"
echo "results: $out/doctor.md"
