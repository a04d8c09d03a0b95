#!/usr/bin/env python3
"""Tests of the rig's sign-in federation endpoint (federation.py, served by sso_server.py at
/federation): it hands out sign-in tokens only for credentials moto issued, refuses everything
AWS refuses, and its `login` sends the browser on to the console page.

    KEYHOP_TEST_SSO=http://127.0.0.1:N KEYHOP_TEST_MOTO=http://127.0.0.1:M python3 xtask/rig/federation_test.py

Credentials come from moto through boto3 (AssumeRole, GetFederationToken, GetSessionToken, an
IAM user's access key). Ends with a `federation_test: N passed, N failed, N skipped` line and
exits non-zero on any failure.
"""

import json
import os
import sys
import unittest
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlencode

import boto3

from sso_server_test import MOTO, SSO, control, fetch

ALLOW_ALL = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def moto(service, key="AKIAFEDTESTDUMMY0000", secret="dummy", token=None):
    return boto3.session.Session().client(
        service,
        endpoint_url=MOTO,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
    )


def session_json(creds):
    return json.dumps(
        {"sessionId": creds["AccessKeyId"], "sessionKey": creds["SecretAccessKey"], "sessionToken": creds["SessionToken"]}
    )


def get_signin_token(session, method="GET", **extra):
    """(status, body) of getSigninToken with `session` (a JSON string), by GET query or POST form."""
    params = {"Action": "getSigninToken", "Session": session, **extra}
    if method == "GET":
        request = urllib.request.Request(f"{SSO}/federation?{urlencode(params)}")
    else:
        request = urllib.request.Request(
            f"{SSO}/federation",
            data=urlencode(params).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def describe(token):
    return control("POST", "/_rig/federation/token", {"SigninToken": token})


def assume(role_arn, name="fed-test"):
    return moto("sts").assume_role(RoleArn=role_arn, RoleSessionName=name, DurationSeconds=3600)["Credentials"]


class FederationTest(unittest.TestCase):
    def token_for(self, creds, method="GET", **extra):
        status, body = get_signin_token(session_json(creds), method, **extra)
        self.assertEqual(status, 200, body)
        return json.loads(body)["SigninToken"]

    def test_role_credentials_get_a_token_that_names_the_assumed_role(self):
        role = f"arn:aws:iam::333333333333:role/Fed{uuid.uuid4().hex[:8]}"
        token = self.token_for(assume(role, "alice"))
        found = describe(token)
        self.assertEqual(found["kind"], "assumed-role")
        self.assertEqual(found["arn"], f"arn:aws:sts::333333333333:assumed-role/{role.split('/')[-1]}/alice")
        self.assertEqual(found["account"], "333333333333")
        self.assertEqual(found["logins"], 0)

    def test_the_form_body_of_a_post_works_like_the_query(self):
        token = self.token_for(assume("arn:aws:iam::333333333333:role/Post"), method="POST")
        self.assertEqual(describe(token)["kind"], "assumed-role")

    def test_federation_token_credentials_get_a_token(self):
        user = f"fed-{uuid.uuid4().hex[:8]}"
        iam = moto("iam")
        iam.create_user(UserName=user)
        key = iam.create_access_key(UserName=user)["AccessKey"]
        creds = moto("sts", key["AccessKeyId"], key["SecretAccessKey"]).get_federation_token(
            Name=user, Policy=ALLOW_ALL, DurationSeconds=3600
        )["Credentials"]
        self.assertEqual(describe(self.token_for(creds))["kind"], "federated-user")
        # AWS fails SessionDuration with GetFederationToken credentials.
        status, body = get_signin_token(session_json(creds), SessionDuration="3600")
        self.assertEqual(status, 400, body)
        self.assertIn("SessionDuration", body)

    def test_what_aws_refuses_is_refused(self):
        creds = assume("arn:aws:iam::333333333333:role/Refuse")
        forged = dict(creds, SecretAccessKey=creds["SecretAccessKey"][:-1] + "x")
        wrong_token = dict(creds, SessionToken="FQoGZXIvYXdzE" + "A" * 100)
        session_token = moto("sts").get_session_token(DurationSeconds=900)["Credentials"]
        user = f"fed-{uuid.uuid4().hex[:8]}"
        moto("iam").create_user(UserName=user)
        key = moto("iam").create_access_key(UserName=user)["AccessKey"]
        long_term = json.dumps({"sessionId": key["AccessKeyId"], "sessionKey": key["SecretAccessKey"]})
        unknown = {"AccessKeyId": "ASIAUNKNOWN000000000", "SecretAccessKey": "x" * 40, "SessionToken": "y" * 100}
        cases = [
            ("a wrong secret", session_json(forged)),
            ("a wrong session token", session_json(wrong_token)),
            ("GetSessionToken credentials", session_json(session_token)),
            ("long-term keys", long_term),
            ("credentials moto never issued", session_json(unknown)),
            ("not JSON", "{"),
        ]
        for what, session in cases:
            with self.subTest(what):
                status, body = get_signin_token(session)
                self.assertEqual(status, 400, f"{what}: {body}")
                self.assertNotIn(creds["SecretAccessKey"][:-1], body, "the answer repeats the secret")
        status, body = get_signin_token(session_json(creds), SessionDuration="60")
        self.assertEqual(status, 400, body)
        status, _ = get_signin_token(session_json(creds), SessionDuration="43200")
        self.assertEqual(status, 200, "role credentials may ask for a 12-hour console session")

    def test_login_sends_the_browser_to_the_destination_once_the_token_is_good(self):
        token = self.token_for(assume("arn:aws:iam::333333333333:role/Login"))
        destination = "https://console.aws.amazon.com/console/home?region=eu-west-1"
        login = {"Action": "login", "Issuer": "keyhop", "Destination": destination}
        status, location, _ = fetch(f"{SSO}/federation?{urlencode({**login, 'SigninToken': token})}")
        self.assertEqual((status, location), (302, destination))
        found = describe(token)
        self.assertEqual((found["logins"], found["issuer"], found["destination"]), (1, "keyhop", destination))
        status, location, _ = fetch(f"{SSO}/federation?{urlencode({**login, 'SigninToken': 'rig-forged'})}")
        self.assertEqual((status, location), (400, None))
        bad = {**login, "Destination": "http://console.aws.amazon.com/", "SigninToken": token}
        self.assertEqual(fetch(f"{SSO}/federation?{urlencode(bad)}")[0], 400)

    def test_the_log_never_holds_the_query(self):
        """Credentials and sign-in tokens travel in the query: the server logs paths only. (The log
        is the server's stderr; this checks the handler's formatting through a fake request.)"""
        import io

        import sso_server

        handler = sso_server.Handler.__new__(sso_server.Handler)
        handler.command, handler.path = "GET", "/federation?Action=login&SigninToken=rigSECRET"
        handler.client_address = ("127.0.0.1", 1)
        written = io.StringIO()
        stderr, sys.stderr = sys.stderr, written
        try:
            handler.log_request(302)
        finally:
            sys.stderr = stderr
        self.assertIn("GET /federation 302", written.getvalue())
        self.assertNotIn("SECRET", written.getvalue())


def main():
    if not SSO or not MOTO:
        print("federation_test: KEYHOP_TEST_SSO and KEYHOP_TEST_MOTO must name a running sso_server.py and moto", file=sys.stderr)
        return 2
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(var, None)
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    result = unittest.main(argv=sys.argv[:1] + sys.argv[1:], exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    print(f"federation_test: {result.testsRun - failed - skipped} passed, {failed} failed, {skipped} skipped")
    return 0 if result.wasSuccessful() and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
