#!/usr/bin/env bash
# `keyhop session start` of an IAM-User session against moto, end to end as a process, side by
# side with the AWS CLI doing the same by hand (get-session-token, then 3x `aws configure set`).
# Run it through `cargo xtask bench`, which starts moto and a Secret Service first.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
new_user

# Long-term keys for the hand-made AWS CLI workflow live in their own profile.
printf '[longterm]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$akid" "$secret" > "$HOME/.aws/credentials"
chmod 600 "$HOME/.aws/credentials"

echo "$secret" | "$bin" session add iam-user --alias cached --profile cached --region us-east-1 --access-key-id "$akid" >/dev/null
echo "$secret" | "$bin" session add iam-user --alias fresh --profile fresh --region us-east-1 --access-key-id "$akid" \
    --mfa-device arn:aws:iam::123456789012:mfa/bench >/dev/null
"$bin" session start cached >/dev/null   # fills the keyring cache

cat > "$work/aws-by-hand.sh" <<'SH'
#!/usr/bin/env bash
set -euo pipefail
read -r k s t < <(aws sts get-session-token --profile longterm --region us-east-1 --serial-number arn:aws:iam::123456789012:mfa/bench \
    --token-code 123456 --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
aws configure set aws_access_key_id "$k" --profile byhand
aws configure set aws_secret_access_key "$s" --profile byhand
aws configure set aws_session_token "$t" --profile byhand
SH
chmod +x "$work/aws-by-hand.sh"

hyperfine --style basic --warmup 3 --runs "${KEYHOP_BENCH_RUNS:-30}" \
    --export-markdown "$out/session_start.md" --export-json "$out/session_start.json" \
    -n 'keyhop session start (MFA code given: GetSessionToken + write)' "$bin session start fresh --mfa-code 123456" \
    -n 'keyhop session start (cached session token: keyring + write)' "$bin session start cached" \
    -n 'AWS CLI by hand (get-session-token + 3x configure set)' "$work/aws-by-hand.sh"

# The written profiles must work, or the numbers mean nothing.
aws sts get-caller-identity --profile fresh --query Arn --output text
aws sts get-caller-identity --profile byhand --region us-east-1 --query Arn --output text
echo "results: $out/session_start.md"
