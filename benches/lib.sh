# Shared by the bench scripts: sourced, never run. Sets `root`, `bin` (the release keyhop, or
# $KEYHOP_BIN), `out` (target/bench, or $KEYHOP_BENCH_OUT) and `work` (a temp dir removed on
# exit, after the script's `on_exit` if it defines one); points HOME, KEYHOP_HOME and the AWS
# files into `work` and AWS at moto; defines `admin` (the AWS CLI with moto's dummy keys) and
# `new_user` (an IAM user in moto; sets `akid` and `secret`).
: "${KEYHOP_TEST_MOTO:?run this through: cargo xtask bench}"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${KEYHOP_BIN:-$root/target/release/keyhop}
out=${KEYHOP_BENCH_OUT:-$root/target/bench}
mkdir -p "$out"
work=$(mktemp -d)
trap 'if declare -F on_exit >/dev/null; then on_exit; fi; rm -rf "$work"' EXIT

export HOME=$work/home KEYHOP_HOME=$work/keyhop
export AWS_ENDPOINT_URL=$KEYHOP_TEST_MOTO AWS_EC2_METADATA_DISABLED=true
export AWS_SHARED_CREDENTIALS_FILE=$HOME/.aws/credentials AWS_CONFIG_FILE=$HOME/.aws/config
mkdir -p "$HOME/.aws"
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION

admin() { AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 aws "$@"; }

new_user() {
    local user=bench-$$-$RANDOM
    admin iam create-user --user-name "$user" >/dev/null
    read -r akid secret < <(admin iam create-access-key --user-name "$user" --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
}
