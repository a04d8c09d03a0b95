#!/usr/bin/env python3
"""The AWS CLI without its start-up, for the tests' many `aws` runs.

A run of `aws` is `awscli.clidriver.main()` (the whole `aws` script). Most of its CPU is
Python importing awscli, botocore and the CLI's plugins: `sts get-caller-identity` took 0.6 s
of CPU spawned, 0.2 s forked from here. This process imports them once, then forks one child
per request; the child runs that same `main()` with exactly the request's arguments,
environment and directory, its stdin /dev/null and its stdout/stderr in files at the file
descriptor level (so a `credential_process` the CLI runs writes there too), answers, and
exits. Each run starts from the same freshly imported state: nothing of one run reaches the next.

    python3 xtask/rig/warm_aws.py SOCKET

Requests come on the Unix socket SOCKET, one per connection: a JSON line
`{"argv": [...], "env": {...}, "cwd": "..."}`; the answer is a JSON line
`{"code": N, "stdout": "...", "stderr": "...", "cpu_seconds": S}` (S: the run's CPU time). "ready" on stdout once it listens. It exits
when its stdin closes: the test process that started it has ended.
"""

import json
import os
import resource
import select
import signal
import socket
import sys
import tempfile

import awscli
import awscli.clidriver
import awscli.handlers  # noqa: F401 - what main() imports first (its plugins): imported once here

# What importing awscli adds to AWS_DATA_PATH (its own models): `aws` sets it at every start.
AWSCLI_DATA = os.path.join(os.path.dirname(os.path.abspath(awscli.__file__)), "data")


def run_cli(request):
    """In the child: the AWS CLI for `request` with its output in files; (code, out, err)."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # a credential_process is waited for
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    code = 255
    try:
        os.environ.clear()
        os.environ.update(request["env"])
        given = request["env"].get("AWS_DATA_PATH")
        os.environ["AWS_DATA_PATH"] = os.pathsep.join([p for p in (given, AWSCLI_DATA) if p])
        os.chdir(request.get("cwd") or "/")
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        sys.stdin = open(0, closefd=False)
        sys.stdout = open(1, "w", closefd=False)
        sys.stderr = open(2, "w", closefd=False)
        sys.argv = ["aws"] + request["argv"]
        code = awscli.clidriver.main()
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException as e:  # noqa: BLE001 - reported like the CLI's own crash
        print(f"warm_aws: {type(e).__name__}: {e}", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    out.seek(0)
    err.seek(0)
    return code, out.read().decode(errors="replace"), err.read().decode(errors="replace")


def child(conn):
    """Runs one request in a forked child and answers on `conn`; never returns."""
    code = 1
    try:
        request = json.loads(conn.makefile("rb").readline())
        code, stdout, stderr = run_cli(request)
        usage = resource.getrusage(resource.RUSAGE_SELF)  # this child's own, from its fork
        answer = {
            "code": code if isinstance(code, int) else 1,
            "stdout": stdout,
            "stderr": stderr,
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
        }
        conn.sendall((json.dumps(answer) + "\n").encode())
    finally:
        os._exit(0)


def main():
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sys.argv[1])
    listener.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children reap themselves
    print("ready", flush=True)
    # One thread: fork() from a threaded process may copy a lock some other thread held.
    while True:
        readable, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in readable and not os.read(sys.stdin.fileno(), 1):
            return  # our stdin closed: the test process that started us has ended
        if listener in readable:
            conn, _ = listener.accept()
            if os.fork() == 0:
                listener.close()
                child(conn)
            conn.close()


if __name__ == "__main__":
    main()
