#!/usr/bin/env python3
"""Tests of sso_server.py through boto3's `sso-oidc` and `sso` clients, the strict judges of the
wire format, plus a plain urllib "browser" for the sign-in pages.

    KEYHOP_TEST_SSO=http://127.0.0.1:N KEYHOP_TEST_MOTO=http://127.0.0.1:M python3 xtask/rig/sso_server_test.py

The clients find the server through AWS_ENDPOINT_URL_SSO_OIDC / AWS_ENDPOINT_URL_SSO, as the SDKs
will in keyhop's tests. Every test makes its own tenant, so this can run beside other tests
against the same server. Ends with a `sso_server_test: N passed, N failed, N skipped` line and
exits non-zero on any failure.
"""

import base64
import hashlib
import json
import os
import secrets
import string
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import boto3
from botocore.config import Config

SSO = os.environ.get("KEYHOP_TEST_SSO", "").rstrip("/")
MOTO = os.environ.get("KEYHOP_TEST_MOTO", "").rstrip("/")
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
ACCOUNTS = [
    {"accountId": "111111111111", "accountName": "Dev", "emailAddress": "dev@example.com", "roles": ["Admin", "ReadOnly"]},
    {"accountId": "222222222222", "accountName": "Prod", "emailAddress": "prod@example.com", "roles": ["ReadOnly"]},
]


def control(method, path, body=None):
    """A call to the server's control API; returns the decoded JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(SSO + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read())


def new_tenant(**settings):
    settings.setdefault("accounts", ACCOUNTS)
    return control("POST", "/_rig/tenants", settings)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url):
    """GET without following redirects: (status, Location, body)."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as reply:
            return reply.status, reply.headers.get("Location"), reply.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Location"), e.read().decode()


def browse(url):
    """What a browser does with a link: GET it and follow redirects. Returns the final status."""
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            reply.read()
            return reply.status
    except urllib.error.HTTPError as e:
        return e.code


def pkce_pair():
    """A verifier and its S256 challenge, made the way the AWS CLI v2 makes them."""
    verifier = "".join(secrets.choice(string.ascii_letters + string.digits + "-._~") for _ in range(64))
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode()
    return verifier, challenge[:-1]  # the CLI trims the final '='


class Callback:
    """The local listener the sign-in redirects to, like the AWS CLI's on a random port."""

    def __init__(self):
        self.queries = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                owner.queries.append((urlsplit(self.path).path, parse_qs(urlsplit(self.path).query)))
                body = b"You can close this window."
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.redirect_uri = f"http://127.0.0.1:{self.server.server_port}/oauth/callback"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class SsoServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        config = Config(region_name="us-east-1", retries={"max_attempts": 1})
        session = boto3.session.Session()
        cls.oidc = session.client("sso-oidc", config=config)
        cls.portal = session.client("sso", config=config)
        assert cls.oidc.meta.endpoint_url == SSO, cls.oidc.meta.endpoint_url
        assert cls.portal.meta.endpoint_url == SSO, cls.portal.meta.endpoint_url

    # --- sign-in helpers --------------------------------------------------------------------

    def register_auth_code_client(self, start_url, scopes=("sso:account:access",)):
        """Registers the way the AWS CLI v2 does for the authorization code flow."""
        return self.oidc.register_client(
            clientName=f"botocore-client-{uuid.uuid4().hex[:8]}",
            clientType="public",
            grantTypes=["authorization_code", "refresh_token"],
            redirectUris=["http://127.0.0.1/oauth/callback"],
            issuerUrl=start_url,
            scopes=list(scopes),
        )

    def authorize_url(self, client_id, redirect_uri, state, challenge, scopes="sso:account:access"):
        """The /authorize URL exactly as the AWS CLI v2 (SSOTokenFetcherAuth) builds it."""
        params = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge_method": "S256",
            "scopes": scopes,
        }
        return f"{self.oidc.meta.endpoint_url}/authorize?{urlencode(params, quote_via=quote)}&code_challenge={challenge}"

    def browser_sign_in(self, client, verifier_challenge=None):
        """Opens /authorize in the "browser"; returns (callback query, redirect_uri, state, verifier)."""
        verifier, challenge = verifier_challenge or pkce_pair()
        state = str(uuid.uuid4())
        callback = Callback()
        try:
            status = browse(self.authorize_url(client["clientId"], callback.redirect_uri, state, challenge))
            self.assertEqual(status, 200)
            self.assertEqual(len(callback.queries), 1, callback.queries)
            path, query = callback.queries[0]
            self.assertEqual(path, "/oauth/callback")
            return query, callback.redirect_uri, state, verifier
        finally:
            callback.close()

    def auth_code_sign_in(self, start_url):
        """A whole authorization code sign-in; returns (client, token answer)."""
        client = self.register_auth_code_client(start_url)
        query, redirect_uri, state, verifier = self.browser_sign_in(client)
        self.assertEqual(query["state"], [state])
        token = self.oidc.create_token(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            grantType="authorization_code",
            code=query["code"][0],
            redirectUri=redirect_uri,
            codeVerifier=verifier,
        )
        return client, token

    def device_sign_in(self, start_url, scopes=("sso:account:access",)):
        """A whole device code sign-in; returns (client, token answer)."""
        kwargs = {"scopes": list(scopes)} if scopes else {}
        client = self.oidc.register_client(clientName="botocore-client-device", clientType="public", **kwargs)
        auth = self.oidc.start_device_authorization(
            clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=start_url
        )
        self.assertEqual(browse(auth["verificationUriComplete"]), 200)
        token = self.oidc.create_token(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            grantType=DEVICE_GRANT,
            deviceCode=auth["deviceCode"],
        )
        return client, token

    def assertClientError(self, error_name, call, /, *args, **kwargs):
        """Asserts that call(*args, **kwargs) fails with error `error_name`; returns the parsed reply."""
        with self.assertRaises(self.oidc.exceptions.ClientError) as caught:
            call(*args, **kwargs)
        self.assertEqual(caught.exception.response["Error"]["Code"], error_name, caught.exception.response)
        return caught.exception.response

    # --- sign-in flows ----------------------------------------------------------------------

    def test_auth_code_flow_with_pkce(self):
        tenant = new_tenant()
        client = self.register_auth_code_client(tenant["start_url"])
        self.assertGreater(client["clientSecretExpiresAt"], time.time() + 80 * 86400)
        self.assertLessEqual(client["clientIdIssuedAt"], time.time() + 1)
        query, redirect_uri, state, verifier = self.browser_sign_in(client)
        self.assertEqual(set(query), {"code", "state"})
        self.assertEqual(query["state"], [state], "state is echoed")
        request = dict(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            grantType="authorization_code",
            code=query["code"][0],
            redirectUri=redirect_uri,
            codeVerifier=verifier,
        )
        token = self.oidc.create_token(**request)
        self.assertEqual(token["tokenType"], "Bearer")
        self.assertEqual(token["expiresIn"], 3600)
        self.assertTrue(token["accessToken"] and token["refreshToken"])
        accounts = self.portal.list_accounts(accessToken=token["accessToken"])["accountList"]
        self.assertEqual([a["accountId"] for a in accounts], ["111111111111", "222222222222"])
        self.assertEqual(accounts[0], {"accountId": "111111111111", "accountName": "Dev", "emailAddress": "dev@example.com"})
        # A code is good for one token only.
        self.assertClientError("InvalidGrantException", self.oidc.create_token, **request)

    def test_pkce_verifier_or_redirect_mismatch_is_refused(self):
        tenant = new_tenant()
        client = self.register_auth_code_client(tenant["start_url"])
        query, redirect_uri, _, verifier = self.browser_sign_in(client)
        request = dict(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            grantType="authorization_code",
            code=query["code"][0],
            redirectUri=redirect_uri,
            codeVerifier=pkce_pair()[0],
        )
        reply = self.assertClientError("InvalidGrantException", self.oidc.create_token, **request)
        self.assertEqual(reply["error"], "invalid_grant")
        request["codeVerifier"] = verifier
        request["redirectUri"] = redirect_uri.replace("/oauth/callback", "/elsewhere")
        self.assertClientError("InvalidGrantException", self.oidc.create_token, **request)
        # Refusals did not spend the code: the right request still gets a token.
        request["redirectUri"] = redirect_uri
        self.assertIn("accessToken", self.oidc.create_token(**request))

    def test_denied_auth_code_sign_in_redirects_with_access_denied(self):
        tenant = new_tenant(deny=True)
        client = self.register_auth_code_client(tenant["start_url"])
        query, _, state, _ = self.browser_sign_in(client)
        self.assertEqual(query["error"], ["access_denied"])
        self.assertEqual(query["state"], [state])
        self.assertIn("error_description", query)
        self.assertNotIn("code", query)
        stats = control("GET", f"/_rig/tenants/{tenant['tenant']}/stats")
        self.assertEqual((stats["authorizations"], stats["denials"]), (0, 1))

    def test_authorize_refuses_without_redirecting(self):
        tenant = new_tenant()
        client = self.register_auth_code_client(tenant["start_url"])
        _, challenge = pkce_pair()
        good = "http://127.0.0.1:4321/oauth/callback"
        cases = {
            "unknown client": self.authorize_url("no-such-client", good, "s", challenge),
            "unregistered redirect": self.authorize_url(client["clientId"], "http://127.0.0.1:4321/other", "s", challenge),
            "https redirect not registered": self.authorize_url(client["clientId"], "https://evil.example/oauth/callback", "s", challenge),
            "no PKCE": self.authorize_url(client["clientId"], good, "s", challenge).split("&code_challenge=")[0],
        }
        for name, url in cases.items():
            status, location, _ = fetch(url)
            self.assertEqual((status, location), (400, None), name)
        # The registered loopback URI without a port matches any port (RFC 8252), as the CLI needs.
        status, location, _ = fetch(self.authorize_url(client["clientId"], good, "s", challenge))
        self.assertEqual(status, 302)
        self.assertTrue(location.startswith(good + "?"), location)

    def test_device_code_flow_pending_then_approved(self):
        tenant = new_tenant()
        client = self.oidc.register_client(clientName="botocore-client-dev", clientType="public", scopes=["sso:account:access"])
        auth = self.oidc.start_device_authorization(
            clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=tenant["start_url"]
        )
        self.assertEqual(auth["interval"], 1)
        self.assertEqual(auth["expiresIn"], 600)
        self.assertRegex(auth["userCode"], r"^[A-Z]{4}-[A-Z]{4}$")
        self.assertTrue(auth["verificationUriComplete"].startswith(auth["verificationUri"] + "?user_code="))
        request = dict(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            grantType=DEVICE_GRANT,
            deviceCode=auth["deviceCode"],
        )
        pending = self.assertClientError("AuthorizationPendingException", self.oidc.create_token, **request)
        self.assertEqual(pending["error"], "authorization_pending")
        self.assertEqual(pending["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(browse(auth["verificationUriComplete"]), 200)
        token = self.oidc.create_token(**request)
        self.assertEqual(token["tokenType"], "Bearer")
        self.assertIn("refreshToken", token)
        self.assertEqual(len(self.portal.list_accounts(accessToken=token["accessToken"])["accountList"]), 2)
        self.assertClientError("InvalidGrantException", self.oidc.create_token, **request)

    def test_denied_device_sign_in_is_access_denied(self):
        tenant = new_tenant(deny=True)
        client = self.oidc.register_client(clientName="c", clientType="public", scopes=["sso:account:access"])
        auth = self.oidc.start_device_authorization(
            clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=tenant["start_url"]
        )
        browse(auth["verificationUriComplete"])
        reply = self.assertClientError(
            "AccessDeniedException",
            self.oidc.create_token,
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            grantType=DEVICE_GRANT,
            deviceCode=auth["deviceCode"],
        )
        self.assertEqual(reply["error"], "access_denied")

    def test_expired_device_code_is_expired_token(self):
        tenant = new_tenant()
        client = self.oidc.register_client(clientName="c", clientType="public")
        auth = self.oidc.start_device_authorization(
            clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=tenant["start_url"]
        )
        control("POST", f"/_rig/tenants/{tenant['tenant']}/expire", {"device_codes": True})
        self.assertClientError(
            "ExpiredTokenException",
            self.oidc.create_token,
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            grantType=DEVICE_GRANT,
            deviceCode=auth["deviceCode"],
        )
        self.assertEqual(browse(auth["verificationUriComplete"]), 400, "an expired code cannot be approved")

    def test_registration_without_account_access_scope_gets_no_refresh_token(self):
        tenant = new_tenant()
        _, token = self.device_sign_in(tenant["start_url"], scopes=())
        self.assertNotIn("refreshToken", token)
        # Such a (legacy) token still works on the portal.
        self.assertEqual(len(self.portal.list_accounts(accessToken=token["accessToken"])["accountList"]), 2)

    # --- refresh and expiry -----------------------------------------------------------------

    def test_refresh_token_grant_rotates(self):
        tenant = new_tenant(access_token_ttl=900)
        client, first = self.auth_code_sign_in(tenant["start_url"])
        refresh = dict(clientId=client["clientId"], clientSecret=client["clientSecret"], grantType="refresh_token")
        second = self.oidc.create_token(refreshToken=first["refreshToken"], **refresh)
        self.assertEqual(second["expiresIn"], 900)
        self.assertNotEqual(second["accessToken"], first["accessToken"])
        self.assertNotEqual(second["refreshToken"], first["refreshToken"])
        self.assertEqual(len(self.portal.list_accounts(accessToken=second["accessToken"])["accountList"]), 2)
        self.assertClientError("InvalidGrantException", self.oidc.create_token, refreshToken=first["refreshToken"], **refresh)
        self.assertClientError("InvalidGrantException", self.oidc.create_token, refreshToken="aor-unknown", **refresh)
        third = self.oidc.create_token(refreshToken=second["refreshToken"], **refresh)
        self.assertIn("refreshToken", third)

    def test_expired_refresh_token_is_invalid_grant(self):
        tenant = new_tenant()
        client, token = self.auth_code_sign_in(tenant["start_url"])
        control("POST", f"/_rig/tenants/{tenant['tenant']}/expire", {"refresh_tokens": True})
        reply = self.assertClientError(
            "InvalidGrantException",
            self.oidc.create_token,
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            grantType="refresh_token",
            refreshToken=token["refreshToken"],
        )
        self.assertEqual(reply["error"], "invalid_grant")
        # The access token was not touched.
        self.portal.list_accounts(accessToken=token["accessToken"])

    def test_expired_access_token_is_unauthorized(self):
        tenant = new_tenant()
        _, token = self.auth_code_sign_in(tenant["start_url"])
        control("POST", f"/_rig/tenants/{tenant['tenant']}/expire", {"access_tokens": True})
        with self.assertRaises(self.portal.exceptions.UnauthorizedException) as caught:
            self.portal.list_accounts(accessToken=token["accessToken"])
        reply = caught.exception.response
        self.assertEqual(reply["ResponseMetadata"]["HTTPStatusCode"], 401)
        self.assertEqual(reply["Error"]["Message"], "Session token not found or invalid")

    def test_invalid_client(self):
        tenant = new_tenant()
        client = self.register_auth_code_client(tenant["start_url"])
        reply = self.assertClientError(
            "InvalidClientException",
            self.oidc.create_token,
            clientId=client["clientId"],
            clientSecret="wrong",
            grantType="refresh_token",
            refreshToken="x",
        )
        self.assertEqual(reply["ResponseMetadata"]["HTTPStatusCode"], 401)
        self.assertEqual(reply["error"], "invalid_client")
        self.assertClientError(
            "InvalidClientException",
            self.oidc.start_device_authorization,
            clientId="no-such-client",
            clientSecret="x",
            startUrl=tenant["start_url"],
        )
        # An auth-code-only client may not use the device grant.
        self.assertClientError(
            "UnauthorizedClientException",
            self.oidc.start_device_authorization,
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            startUrl=tenant["start_url"],
        )
        self.assertClientError(
            "InvalidScopeException", self.oidc.register_client, clientName="c", clientType="public", scopes=["no:such"]
        )

    # --- portal -----------------------------------------------------------------------------

    def test_pagination_with_boto3_paginators(self):
        accounts = [
            {"accountId": f"3000000000{i:02d}", "accountName": f"Acct {i}", "emailAddress": f"a{i}@example.com", "roles": ["R"]}
            for i in range(5)
        ]
        accounts[0]["roles"] = ["Admin", "Billing", "Dev", "Ops", "ReadOnly"]
        tenant = new_tenant(accounts=accounts, page_size=2)
        _, token = self.auth_code_sign_in(tenant["start_url"])
        access = token["accessToken"]

        pages = list(self.portal.get_paginator("list_accounts").paginate(accessToken=access))
        self.assertEqual([len(p["accountList"]) for p in pages], [2, 2, 1])
        listed = [a["accountId"] for p in pages for a in p["accountList"]]
        self.assertEqual(listed, [a["accountId"] for a in accounts])

        pages = list(
            self.portal.get_paginator("list_accounts").paginate(accessToken=access, PaginationConfig={"PageSize": 4})
        )
        self.assertEqual([len(p["accountList"]) for p in pages], [4, 1], "maxResults is honoured")

        roles = self.portal.get_paginator("list_account_roles").paginate(accessToken=access, accountId="300000000000")
        pages = list(roles)
        self.assertEqual([len(p["roleList"]) for p in pages], [2, 2, 1])
        self.assertEqual(
            [r["roleName"] for p in pages for r in p["roleList"]], ["Admin", "Billing", "Dev", "Ops", "ReadOnly"]
        )
        self.assertTrue(all(r["accountId"] == "300000000000" for p in pages for r in p["roleList"]))

        with self.assertRaises(self.portal.exceptions.InvalidRequestException):
            self.portal.list_accounts(accessToken=access, nextToken="forged")

    def test_role_credentials_are_real_moto_credentials(self):
        tenant = new_tenant(user="alice@example.com")
        _, token = self.auth_code_sign_in(tenant["start_url"])
        for account_id, role in (("111111111111", "Admin"), ("222222222222", "ReadOnly")):
            creds = self.portal.get_role_credentials(
                accessToken=token["accessToken"], accountId=account_id, roleName=role
            )["roleCredentials"]
            self.assertIsInstance(creds["expiration"], int)
            now_ms = time.time() * 1000
            self.assertTrue(now_ms + 3000_000 < creds["expiration"] < now_ms + 3700_000, creds["expiration"])
            sts = boto3.session.Session().client(
                "sts",
                endpoint_url=MOTO,
                region_name="us-east-1",
                aws_access_key_id=creds["accessKeyId"],
                aws_secret_access_key=creds["secretAccessKey"],
                aws_session_token=creds["sessionToken"],
            )
            who = sts.get_caller_identity()
            self.assertEqual(who["Account"], account_id)
            self.assertEqual(who["Arn"], f"arn:aws:sts::{account_id}:assumed-role/{role}/alice@example.com")

    def test_unassigned_role_is_forbidden(self):
        tenant = new_tenant()
        _, token = self.auth_code_sign_in(tenant["start_url"])
        for account_id, role in (("222222222222", "Admin"), ("999999999999", "Admin")):
            with self.assertRaises(self.portal.exceptions.ClientError) as caught:
                self.portal.get_role_credentials(accessToken=token["accessToken"], accountId=account_id, roleName=role)
            reply = caught.exception.response
            self.assertEqual((reply["Error"]["Code"], reply["Error"]["Message"]), ("ForbiddenException", "No access"))
            self.assertEqual(reply["ResponseMetadata"]["HTTPStatusCode"], 403)
        roles = self.portal.list_account_roles(accessToken=token["accessToken"], accountId="999999999999")
        self.assertEqual(roles["roleList"], [])

    def test_logout_ends_the_sign_in(self):
        tenant = new_tenant()
        client, token = self.auth_code_sign_in(tenant["start_url"])
        refresh = dict(clientId=client["clientId"], clientSecret=client["clientSecret"], grantType="refresh_token")
        second = self.oidc.create_token(refreshToken=token["refreshToken"], **refresh)
        self.portal.logout(accessToken=second["accessToken"])
        for access in (token["accessToken"], second["accessToken"]):
            with self.assertRaises(self.portal.exceptions.UnauthorizedException):
                self.portal.list_accounts(accessToken=access)
        with self.assertRaises(self.portal.exceptions.UnauthorizedException):
            self.portal.logout(accessToken=second["accessToken"])
        self.assertClientError("InvalidGrantException", self.oidc.create_token, refreshToken=second["refreshToken"], **refresh)

    def test_resync_replaces_assignments(self):
        tenant = new_tenant()
        _, token = self.auth_code_sign_in(tenant["start_url"])
        new = [{"accountId": "333333333333", "accountName": "New", "emailAddress": "n@example.com", "roles": ["Ops"]}]
        control("PUT", f"/_rig/tenants/{tenant['tenant']}/accounts", {"accounts": new})
        accounts = self.portal.list_accounts(accessToken=token["accessToken"])["accountList"]
        self.assertEqual([a["accountId"] for a in accounts], ["333333333333"])
        with self.assertRaises(self.portal.exceptions.ClientError):
            self.portal.get_role_credentials(accessToken=token["accessToken"], accountId="111111111111", roleName="Admin")

    def test_stats_count_what_happened(self):
        tenant = new_tenant()
        path = f"/_rig/tenants/{tenant['tenant']}/stats"
        client, token = self.auth_code_sign_in(tenant["start_url"])
        self.oidc.create_token(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            grantType="refresh_token",
            refreshToken=token["refreshToken"],
        )
        self.device_sign_in(tenant["start_url"])
        self.portal.get_role_credentials(accessToken=token["accessToken"], accountId="111111111111", roleName="Admin")
        self.portal.logout(accessToken=token["accessToken"])
        self.assertEqual(
            control("GET", path),
            {
                "registrations": 2,
                "authorizations": 2,
                "denials": 0,
                "tokens_issued": {"authorization_code": 1, "refresh_token": 1, DEVICE_GRANT: 1},
                "role_credentials": 1,
                "logouts": 1,
            },
        )

    def test_two_tenants_are_isolated(self):
        a = new_tenant()
        b = new_tenant(accounts=[{"accountId": "444444444444", "accountName": "B", "roles": ["Admin"]}])
        _, token_a = self.auth_code_sign_in(a["start_url"])
        _, token_b = self.auth_code_sign_in(b["start_url"])
        listed_a = self.portal.list_accounts(accessToken=token_a["accessToken"])["accountList"]
        listed_b = self.portal.list_accounts(accessToken=token_b["accessToken"])["accountList"]
        self.assertEqual([x["accountId"] for x in listed_a], ["111111111111", "222222222222"])
        self.assertEqual(listed_b, [{"accountId": "444444444444", "accountName": "B"}])
        with self.assertRaises(self.portal.exceptions.ClientError):
            self.portal.get_role_credentials(accessToken=token_a["accessToken"], accountId="444444444444", roleName="Admin")
        # A client registered for tenant A cannot start a sign-in at tenant B.
        client = self.oidc.register_client(clientName="c", clientType="public", issuerUrl=a["start_url"])
        self.assertClientError(
            "InvalidRequestException",
            self.oidc.start_device_authorization,
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            startUrl=b["start_url"],
        )
        stats_a = control("GET", f"/_rig/tenants/{a['tenant']}/stats")
        stats_b = control("GET", f"/_rig/tenants/{b['tenant']}/stats")
        self.assertEqual((stats_a["registrations"], stats_b["registrations"]), (2, 1))
        self.assertEqual((stats_a["role_credentials"], stats_b["role_credentials"]), (0, 0))

    def test_error_wire_format(self):
        """What botocore and the Rust SDKs parse: x-amzn-errortype, the model's status, body members."""
        with self.assertRaises(self.oidc.exceptions.InvalidClientException) as caught:
            self.oidc.create_token(clientId="nope", clientSecret="nope", grantType="refresh_token", refreshToken="x")
        reply = caught.exception.response
        headers = reply["ResponseMetadata"]["HTTPHeaders"]
        self.assertTrue(headers["x-amzn-errortype"].startswith("InvalidClientException"), headers)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(set(k for k in reply if k not in ("Error", "ResponseMetadata")), {"error", "error_description"})
        with self.assertRaises(self.portal.exceptions.UnauthorizedException) as caught:
            self.portal.list_accounts(accessToken="aoa-unknown")
        headers = caught.exception.response["ResponseMetadata"]["HTTPHeaders"]
        self.assertTrue(headers["x-amzn-errortype"].startswith("UnauthorizedException"), headers)


def main():
    if not SSO or not MOTO:
        print(
            "sso_server_test: KEYHOP_TEST_SSO and KEYHOP_TEST_MOTO must name a running sso_server.py and moto "
            "(cargo xtask test starts both)",
            file=sys.stderr,
        )
        return 2
    # The clients must find the server the way keyhop's SDK clients will, and nothing of the
    # caller's AWS setup may leak in.
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(var, None)
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    os.environ["AWS_ENDPOINT_URL_SSO_OIDC"] = SSO
    os.environ["AWS_ENDPOINT_URL_SSO"] = SSO
    result = unittest.main(argv=sys.argv[:1] + sys.argv[1:], exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    print(f"sso_server_test: {result.testsRun - failed - skipped} passed, {failed} failed, {skipped} skipped")
    return 0 if result.wasSuccessful() and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
