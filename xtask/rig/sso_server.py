#!/usr/bin/env python3
"""IAM Identity Center for keyhop's test rig: the SSO OIDC (`sso-oidc`) and SSO portal (`sso`) APIs.

No emulator implements these two APIs (moto lists them as unimplemented), so this server does,
on loopback only:

    python3 xtask/rig/sso_server.py --port N --moto http://127.0.0.1:M

Wire format, paths, member names, error names and HTTP statuses follow botocore's models
(data/sso-oidc and data/sso); the error statuses are read from those models at start-up, so an
error this server sends is always one the SDKs know. Role credentials are real: AssumeRole on
moto, so `sts get-caller-identity` with them names the account and the role.

Multi-tenant: tests run in parallel against one server, so every test creates its own tenant
(one organisation's portal, known by its start URL `http://127.0.0.1:N/start/<tenant>`) through
the control API under /_rig/ (see README.md next to this file). Standard library only, plus
boto3 for the calls to moto.
"""

import argparse
import base64
import hashlib
import html
import json
import os
import re
import secrets
import sys
import threading
import time
import traceback
import uuid
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import boto3
import botocore.session

import federation
import saml_idp

# Grant types of CreateToken (RFC 6749 / RFC 8628 names, as the service takes them).
AUTH_CODE = "authorization_code"
DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH = "refresh_token"
GRANT_TYPES = (AUTH_CODE, DEVICE_CODE, REFRESH)

# The scope that grants portal access; the service issues refresh tokens only with it.
ACCOUNT_ACCESS = "sso:account:access"
# Scopes a registration may ask for; anything else is InvalidScopeException.
KNOWN_SCOPES = {
    ACCOUNT_ACCESS,
    "codewhisperer:completions",
    "codewhisperer:analysis",
    "codewhisperer:conversations",
    "codewhisperer:transformations",
    "codewhisperer:taskassist",
}

DEVICE_CODE_TTL = 600  # seconds, as the service answers in expiresIn
AUTH_CODE_TTL = 300
CLIENT_SECRET_TTL = 90 * 24 * 3600  # registrations last 90 days
ROLE_CREDENTIALS_TTL = 3600  # a permission set's default session duration
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # no vowels: no words in codes, as the service does
SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")

# The restJson1 error header; Coral services append a ':'-suffix that clients strip.
OIDC_ERROR_SUFFIX = ":http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/"
PORTAL_ERROR_SUFFIX = ":http://internal.amazon.com/coral/com.amazon.switchboard.portal/"

# The OAuth error code each sso-oidc error carries in its body's `error` member.
OAUTH_CODES = {
    "AccessDeniedException": "access_denied",
    "AuthorizationPendingException": "authorization_pending",
    "ExpiredTokenException": "expired_token",
    "InternalServerException": "server_error",
    "InvalidClientException": "invalid_client",
    "InvalidClientMetadataException": "invalid_client_metadata",
    "InvalidGrantException": "invalid_grant",
    "InvalidRedirectUriException": "invalid_redirect_uri",
    "InvalidRequestException": "invalid_request",
    "InvalidScopeException": "invalid_scope",
    "SlowDownException": "slow_down",
    "UnauthorizedClientException": "unauthorized_client",
    "UnsupportedGrantTypeException": "unsupported_grant_type",
}


def model_statuses(service):
    """Error name -> HTTP status, from botocore's model of `service`."""
    model = botocore.session.get_session().get_service_model(service)
    return {shape.name: shape.metadata["error"]["httpStatusCode"] for shape in model.error_shapes}


OIDC_STATUS = model_statuses("sso-oidc")
PORTAL_STATUS = model_statuses("sso")
# Not in the model, but what the real portal answers for a role the user is not assigned
# ("An error occurred (ForbiddenException) when calling the GetRoleCredentials operation: No access").
PORTAL_STATUS.setdefault("ForbiddenException", 403)


class OidcError(Exception):
    """An sso-oidc error: body {"error": <oauth code>, "error_description": ...}."""

    def __init__(self, name, description):
        super().__init__(description)
        self.name, self.description = name, description
        self.status = OIDC_STATUS[name]


class PortalError(Exception):
    """An sso portal error: body {"message": ...}."""

    def __init__(self, name, message):
        super().__init__(message)
        self.name, self.message = name, message
        self.status = PORTAL_STATUS[name]


class ControlError(Exception):
    """A bad request to the control API (a bug in a test): status + {"error": ...}."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


def now():
    return time.time()


def new_stats():
    return {
        "registrations": 0,
        "authorizations": 0,
        "denials": 0,
        "tokens_issued": {grant: 0 for grant in GRANT_TYPES},
        "role_credentials": 0,
        "logouts": 0,
    }


def pkce_s256(verifier):
    """The S256 code challenge of `verifier`, base64url without padding (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def is_loopback_http(parts):
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


def redirect_matches(registered, given):
    """RFC 8252 §7.3: a loopback redirect URI registered without a port matches any port
    (the AWS CLI registers http://127.0.0.1/oauth/callback and listens on a random port)."""
    if registered == given:
        return True
    r, g = urlsplit(registered), urlsplit(given)
    return (
        is_loopback_http(r)
        and r.port is None
        and (r.scheme, r.hostname, r.path or "/", r.query) == (g.scheme, g.hostname, g.path or "/", g.query)
    )


class State:
    """Everything the server knows. One lock: requests are tiny, tests are few."""

    def __init__(self, base_url, moto_url):
        self.base_url = base_url
        self.moto_url = moto_url
        self.lock = threading.Lock()
        self.tenants = {}  # id -> tenant dict
        self.clients = {}  # clientId -> client dict
        self.device_auths = {}  # deviceCode -> dict
        self.auth_codes = {}  # code -> dict
        self.sign_ins = {}  # id -> dict (one approved sign-in and the tokens that follow from it)
        self.access_tokens = {}  # token -> dict
        self.refresh_tokens = {}  # token -> dict
        self.page_tokens = {}  # nextToken -> dict
        self._sts = None
        self._sts_lock = threading.Lock()
        self.federation = federation.Federation(moto_url)
        self.saml = saml_idp.SamlIdps(base_url)

    # --- tenants (control API) -------------------------------------------------------------

    def start_url(self, tenant_id):
        return f"{self.base_url}/start/{tenant_id}"

    def tenant_of_start_url(self, url):
        """The tenant whose start URL `url` is (a trailing slash is fine), else None."""
        if not isinstance(url, str):
            return None
        parts = urlsplit(url)
        base = urlsplit(self.base_url)
        match = re.fullmatch(r"/start/([A-Za-z0-9-]+)/?", parts.path)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not match or parts.query:
            return None
        return self.tenants.get(match.group(1))

    def tenant(self, tenant_id):
        tenant = self.tenants.get(tenant_id)
        if tenant is None:
            raise ControlError(404, f"no tenant {tenant_id!r}")
        return tenant

    def create_tenant(self, body):
        tenant = {
            "id": "d-" + secrets.token_hex(5),
            "accounts": parse_accounts(body.get("accounts", [])),
            "page_size": 20,
            "deny": False,
            "access_token_ttl": 3600,
            "refresh_token_ttl": 86400,
            "user": "rig-user",
            "stats": new_stats(),
        }
        apply_behaviour(tenant, body, creating=True)
        with self.lock:
            self.tenants[tenant["id"]] = tenant
        return {"tenant": tenant["id"], "start_url": self.start_url(tenant["id"])}

    def replace_accounts(self, tenant_id, body):
        accounts = parse_accounts(body.get("accounts") if isinstance(body, dict) else None)
        with self.lock:
            self.tenant(tenant_id)["accounts"] = accounts
        return {"tenant": tenant_id, "accounts": len(accounts)}

    def set_behaviour(self, tenant_id, body):
        with self.lock:
            tenant = self.tenant(tenant_id)
            apply_behaviour(tenant, body, creating=False)
            return behaviour_of(tenant)

    def expire(self, tenant_id, body):
        """Makes what the tenant issued so far expired now; later issues get normal lifetimes."""
        kinds = {
            "access_tokens": lambda: self.access_tokens.values(),
            "refresh_tokens": lambda: self.refresh_tokens.values(),
            "device_codes": lambda: self.device_auths.values(),
            "auth_codes": lambda: self.auth_codes.values(),
        }
        unknown = set(body) - set(kinds)
        if unknown:
            raise ControlError(400, f"unknown keys {sorted(unknown)}; expected some of {sorted(kinds)}")
        expired = {}
        with self.lock:
            self.tenant(tenant_id)
            past = now() - 1
            for kind, items in kinds.items():
                if body.get(kind) is True:
                    n = 0
                    for item in items():
                        if item["tenant"] == tenant_id and item["expires_at"] > past:
                            item["expires_at"] = past
                            n += 1
                    expired[kind] = n
        return {"expired": expired}

    def stats(self, tenant_id):
        with self.lock:
            return json.loads(json.dumps(self.tenant(tenant_id)["stats"]))

    # --- sso-oidc --------------------------------------------------------------------------

    def register_client(self, body):
        client_name = req_str(body, "clientName")
        client_type = req_str(body, "clientType")
        scopes = opt_str_list(body, "scopes")
        redirect_uris = opt_str_list(body, "redirectUris")
        grant_types = opt_str_list(body, "grantTypes")
        issuer_url = opt_str(body, "issuerUrl")
        opt_str(body, "entitledApplicationArn")
        if client_type != "public":
            raise OidcError("InvalidClientMetadataException", "Invalid client type: only public clients are supported")
        for scope in scopes or []:
            if scope not in KNOWN_SCOPES:
                raise OidcError("InvalidScopeException", f"Invalid scope requested: {scope}")
        for grant in grant_types or []:
            if grant not in GRANT_TYPES:
                raise OidcError("UnsupportedGrantTypeException", f"Unsupported grant type: {grant}")
        for uri in redirect_uris or []:
            parts = urlsplit(uri)
            if not parts.hostname or parts.fragment or not (parts.scheme == "https" or is_loopback_http(parts)):
                raise OidcError("InvalidRedirectUriException", f"Invalid redirect URI: {uri}")
        if grant_types and AUTH_CODE in grant_types and not redirect_uris:
            raise OidcError("InvalidRedirectUriException", "The authorization_code grant needs redirectUris")
        issued = int(now())
        client = {
            "id": secrets.token_urlsafe(16),
            "secret": secrets.token_urlsafe(64),
            "name": client_name,
            "scopes": list(scopes or []),
            "redirect_uris": list(redirect_uris or []),
            # A registration without grantTypes is a device-code client (what the AWS CLI's
            # device flow and the older SDKs register).
            "grant_types": set(grant_types) if grant_types else {DEVICE_CODE, REFRESH},
            "tenant": None,
            "counted_in": set(),
            "secret_expires_at": issued + CLIENT_SECRET_TTL,
        }
        with self.lock:
            if issuer_url is not None:
                tenant = self.tenant_of_start_url(issuer_url)
                if tenant is None:
                    raise OidcError("InvalidRequestException", f"Invalid issuer URL: {issuer_url}")
                client["tenant"] = tenant["id"]
                self._count_registration(client, tenant)
            self.clients[client["id"]] = client
        return {
            "clientId": client["id"],
            "clientSecret": client["secret"],
            "clientIdIssuedAt": issued,
            "clientSecretExpiresAt": client["secret_expires_at"],
        }

    def _count_registration(self, client, tenant):
        if tenant["id"] not in client["counted_in"]:
            client["counted_in"].add(tenant["id"])
            tenant["stats"]["registrations"] += 1

    def _authenticate(self, body):
        client_id = req_str(body, "clientId")
        client_secret = req_str(body, "clientSecret")
        client = self.clients.get(client_id)
        if (
            client is None
            or not secrets.compare_digest(client["secret"], client_secret)
            or client["secret_expires_at"] <= now()
        ):
            raise OidcError("InvalidClientException", "Invalid client provided")
        return client

    def start_device_authorization(self, body):
        with self.lock:
            client = self._authenticate(body)
            start_url = req_str(body, "startUrl")
            if DEVICE_CODE not in client["grant_types"]:
                raise OidcError("UnauthorizedClientException", "Client is not authorized for the device code grant")
            tenant = self.tenant_of_start_url(start_url)
            if tenant is None or client["tenant"] not in (None, tenant["id"]):
                raise OidcError("InvalidRequestException", f"Invalid start URL: {start_url}")
            self._count_registration(client, tenant)
            while True:
                letters = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
                user_code = f"{letters[:4]}-{letters[4:]}"
                if not any(d["user_code"] == user_code for d in self.device_auths.values()):
                    break
            device_code = secrets.token_urlsafe(48)
            self.device_auths[device_code] = {
                "client": client["id"],
                "tenant": tenant["id"],
                "scopes": list(client["scopes"]),
                "user_code": user_code,
                "status": "pending",
                "expires_at": now() + DEVICE_CODE_TTL,
            }
        verification = f"{self.base_url}/device"
        return {
            "deviceCode": device_code,
            "userCode": user_code,
            "verificationUri": verification,
            "verificationUriComplete": f"{verification}?{urlencode({'user_code': user_code})}",
            "expiresIn": DEVICE_CODE_TTL,
            "interval": 1,
        }

    def create_token(self, body):
        with self.lock:
            client = self._authenticate(body)
            grant = req_str(body, "grantType")
            for name in ("deviceCode", "code", "refreshToken", "redirectUri", "codeVerifier"):
                opt_str(body, name)
            opt_str_list(body, "scope")
            if grant not in GRANT_TYPES:
                raise OidcError("UnsupportedGrantTypeException", f"Unsupported grant type: {grant}")
            if grant not in client["grant_types"]:
                raise OidcError("UnauthorizedClientException", f"Client is not authorized for grant type {grant}")
            if grant == DEVICE_CODE:
                return self._device_code_grant(client, body)
            if grant == AUTH_CODE:
                return self._auth_code_grant(client, body)
            return self._refresh_grant(client, body)

    def _device_code_grant(self, client, body):
        device_code = body.get("deviceCode")
        if not device_code:
            raise OidcError("InvalidRequestException", "deviceCode is required for the device code grant")
        auth = self.device_auths.get(device_code)
        if auth is None or auth["client"] != client["id"] or auth["status"] == "used":
            raise OidcError("InvalidGrantException", "Invalid device code provided")
        if auth["expires_at"] <= now():
            raise OidcError("ExpiredTokenException", "Device code has expired")
        if auth["status"] == "denied":
            raise OidcError("AccessDeniedException", "Access denied by the user")
        if auth["status"] == "pending":
            raise OidcError("AuthorizationPendingException", "Authorization is still pending")
        auth["status"] = "used"
        return self._issue(client, auth["tenant"], auth["scopes"], DEVICE_CODE, sign_in=None)

    def _auth_code_grant(self, client, body):
        code, redirect_uri = body.get("code"), body.get("redirectUri")
        if not code or not redirect_uri:
            raise OidcError("InvalidRequestException", "code and redirectUri are required for the authorization code grant")
        grant = self.auth_codes.get(code)
        if grant is None or grant["client"] != client["id"] or grant["used"]:
            raise OidcError("InvalidGrantException", "Invalid authorization code provided")
        if grant["expires_at"] <= now():
            raise OidcError("ExpiredTokenException", "Authorization code has expired")
        if redirect_uri != grant["redirect_uri"]:
            raise OidcError("InvalidGrantException", "Redirect URI does not match the authorization request")
        verifier = body.get("codeVerifier")
        if not verifier or not secrets.compare_digest(pkce_s256(verifier), grant["challenge"]):
            raise OidcError("InvalidGrantException", "Code verifier does not match the code challenge")
        grant["used"] = True
        return self._issue(client, grant["tenant"], grant["scopes"], AUTH_CODE, sign_in=None)

    def _refresh_grant(self, client, body):
        token = body.get("refreshToken")
        if not token:
            raise OidcError("InvalidRequestException", "refreshToken is required for the refresh token grant")
        record = self.refresh_tokens.get(token)
        if (
            record is None
            or record["client"] != client["id"]
            or record["used"]
            or record["expires_at"] <= now()
            or self.sign_ins[record["sign_in"]]["revoked"]
        ):
            raise OidcError("InvalidGrantException", "Invalid refresh token provided")
        # Refresh tokens rotate: the old one is spent, the new one carries the sign-in on.
        record["used"] = True
        sign_in = self.sign_ins[record["sign_in"]]
        return self._issue(client, record["tenant"], sign_in["scopes"], REFRESH, sign_in=sign_in)

    def _issue(self, client, tenant_id, scopes, grant, sign_in):
        tenant = self.tenants[tenant_id]
        if sign_in is None:
            sign_in = {"id": uuid.uuid4().hex, "tenant": tenant_id, "scopes": list(scopes), "revoked": False}
            self.sign_ins[sign_in["id"]] = sign_in
        issued = now()
        access = "aoa" + secrets.token_urlsafe(96)
        self.access_tokens[access] = {
            "tenant": tenant_id,
            "sign_in": sign_in["id"],
            "expires_at": issued + tenant["access_token_ttl"],
        }
        answer = {"accessToken": access, "tokenType": "Bearer", "expiresIn": tenant["access_token_ttl"]}
        if ACCOUNT_ACCESS in scopes:
            refresh = "aor" + secrets.token_urlsafe(96)
            self.refresh_tokens[refresh] = {
                "tenant": tenant_id,
                "client": client["id"],
                "sign_in": sign_in["id"],
                "used": False,
                "expires_at": issued + tenant["refresh_token_ttl"],
            }
            answer["refreshToken"] = refresh
        tenant["stats"]["tokens_issued"][grant] += 1
        return answer

    # --- browser pages ---------------------------------------------------------------------

    def authorize(self, query):
        """GET /authorize: the sign-in page of the authorization code flow, as if the user signed
        in and clicked "Allow". Returns (status, location or None, page text)."""
        q = {k: v[-1] for k, v in query.items()}
        with self.lock:
            client = self.clients.get(q.get("client_id", ""))
            if client is None:
                return 400, None, "Unknown client_id."
            redirect_uri = q.get("redirect_uri")
            if not redirect_uri or not any(redirect_matches(r, redirect_uri) for r in client["redirect_uris"]):
                return 400, None, "redirect_uri is not registered for this client."
            if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
                return 400, None, "PKCE is required: code_challenge with code_challenge_method=S256."
            if client["tenant"] is None:
                return 400, None, "The client was registered without an issuerUrl (start URL)."
            tenant = self.tenants[client["tenant"]]
            state = {"state": q["state"]} if "state" in q else {}

            def back(params):
                sep = "&" if urlsplit(redirect_uri).query else "?"
                return 302, f"{redirect_uri}{sep}{urlencode({**params, **state})}", "Redirecting."

            if q.get("response_type") != "code":
                return back({"error": "unsupported_response_type", "error_description": "response_type must be code"})
            if AUTH_CODE not in client["grant_types"]:
                return back({"error": "unauthorized_client", "error_description": "Client is not authorized for the authorization code grant"})
            scopes = q["scopes"].split() if "scopes" in q else list(client["scopes"])
            if not set(scopes) <= set(client["scopes"]):
                return back({"error": "invalid_scope", "error_description": "Requested scopes exceed the registration"})
            if tenant["deny"]:
                tenant["stats"]["denials"] += 1
                return back({"error": "access_denied", "error_description": "The user denied the request"})
            code = secrets.token_urlsafe(32)
            self.auth_codes[code] = {
                "client": client["id"],
                "tenant": tenant["id"],
                "redirect_uri": redirect_uri,
                "challenge": q["code_challenge"].rstrip("="),
                "scopes": scopes,
                "used": False,
                "expires_at": now() + AUTH_CODE_TTL,
            }
            tenant["stats"]["authorizations"] += 1
            return back({"code": code})

    def device_page(self, query):
        """GET /device?user_code=...: the device verification page, as if the user signed in and
        clicked "Allow" (or was refused, when the tenant denies)."""
        user_code = query.get("user_code", [""])[-1].strip().upper()
        if not user_code:
            return 200, "Enter the code shown by your device: /device?user_code=XXXX-XXXX"
        with self.lock:
            for auth in self.device_auths.values():
                if auth["user_code"] == user_code and auth["expires_at"] > now():
                    break
            else:
                return 400, "This code is not valid or has expired."
            if auth["status"] != "pending":
                return 200, "This request was already handled."
            tenant = self.tenants[auth["tenant"]]
            if tenant["deny"]:
                auth["status"] = "denied"
                tenant["stats"]["denials"] += 1
                return 200, "Request denied."
            auth["status"] = "approved"
            tenant["stats"]["authorizations"] += 1
            return 200, "Request approved. You can close this window."

    # --- sso portal ------------------------------------------------------------------------

    def _bearer(self, headers):
        """The sign-in and tenant of the request's access token (caller holds the lock)."""
        token = headers.get("x-amz-sso_bearer_token")
        record = self.access_tokens.get(token) if token else None
        if record is None or record["expires_at"] <= now() or self.sign_ins[record["sign_in"]]["revoked"]:
            raise PortalError("UnauthorizedException", "Session token not found or invalid")
        sign_in = self.sign_ins[record["sign_in"]]
        if sign_in["scopes"] and ACCOUNT_ACCESS not in sign_in["scopes"]:
            raise PortalError("UnauthorizedException", "Session token not found or invalid")
        return sign_in, self.tenants[record["tenant"]]

    def _page(self, tenant, kind, account_id, items, query):
        """One page of `items`: nextToken is opaque and tied to this tenant and listing."""
        raw_max = query.get("max_result", [None])[-1]
        size = tenant["page_size"]
        if raw_max is not None:
            if not re.fullmatch(r"\d{1,3}", raw_max) or not 1 <= int(raw_max) <= 100:
                raise PortalError("InvalidRequestException", "maxResults must be between 1 and 100")
            size = int(raw_max)
        offset = 0
        next_token = query.get("next_token", [None])[-1]
        if next_token is not None:
            page = self.page_tokens.get(next_token)
            if page is None or (page["tenant"], page["kind"], page["account"]) != (tenant["id"], kind, account_id):
                raise PortalError("InvalidRequestException", "Invalid nextToken")
            offset = page["offset"]
        chunk = items[offset : offset + size]
        answer = {"list": chunk}
        if offset + size < len(items):
            token = secrets.token_urlsafe(24)
            self.page_tokens[token] = {"tenant": tenant["id"], "kind": kind, "account": account_id, "offset": offset + size}
            answer["nextToken"] = token
        return answer

    def list_accounts(self, headers, query):
        with self.lock:
            _, tenant = self._bearer(headers)
            accounts = [
                {k: a[k] for k in ("accountId", "accountName", "emailAddress") if a.get(k) is not None}
                for a in tenant["accounts"]
            ]
            page = self._page(tenant, "accounts", None, accounts, query)
        answer = {"accountList": page["list"]}
        if "nextToken" in page:
            answer["nextToken"] = page["nextToken"]
        return answer

    def list_account_roles(self, headers, query):
        with self.lock:
            _, tenant = self._bearer(headers)
            account_id = req_query(query, "account_id")
            account = find_account(tenant, account_id)
            roles = [{"roleName": r, "accountId": account_id} for r in (account["roles"] if account else [])]
            page = self._page(tenant, "roles", account_id, roles, query)
        answer = {"roleList": page["list"]}
        if "nextToken" in page:
            answer["nextToken"] = page["nextToken"]
        return answer

    def get_role_credentials(self, headers, query):
        with self.lock:
            _, tenant = self._bearer(headers)
            role_name = req_query(query, "role_name")
            account_id = req_query(query, "account_id")
            account = find_account(tenant, account_id)
            if account is None or role_name not in account["roles"]:
                raise PortalError("ForbiddenException", "No access")
            user = tenant["user"]
        # Outside the lock: moto may take a while, and other tests go on meanwhile.
        reply = self.sts().assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/{role_name}",
            RoleSessionName=user,
            DurationSeconds=ROLE_CREDENTIALS_TTL,
        )
        creds = reply["Credentials"]
        with self.lock:
            tenant["stats"]["role_credentials"] += 1
        return {
            "roleCredentials": {
                "accessKeyId": creds["AccessKeyId"],
                "secretAccessKey": creds["SecretAccessKey"],
                "sessionToken": creds["SessionToken"],
                # The model's ExpirationTimestampType: epoch milliseconds.
                "expiration": int(creds["Expiration"].timestamp() * 1000),
            }
        }

    def logout(self, headers):
        """Ends the sign-in of the token: it and every token that came from that sign-in."""
        with self.lock:
            sign_in, tenant = self._bearer(headers)
            sign_in["revoked"] = True
            tenant["stats"]["logouts"] += 1

    def sts(self):
        """moto's STS. moto takes any keys; AssumeRole into another account's role ARN makes the
        credentials belong to that account, so get-caller-identity names it."""
        with self._sts_lock:
            if self._sts is None:
                self._sts = boto3.session.Session().client(
                    "sts",
                    endpoint_url=self.moto_url,
                    region_name="us-east-1",
                    aws_access_key_id="AKIASSORIGSERVER0000",
                    aws_secret_access_key="sso-rig-server-dummy-secret",
                )
            return self._sts


# --- input checks -----------------------------------------------------------------------------


def req_str(body, name):
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise OidcError("InvalidRequestException", f"{name} is required")
    return value


def opt_str(body, name):
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise OidcError("InvalidRequestException", f"{name} must be a string")
    return value


def opt_str_list(body, name):
    value = body.get(name)
    if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise OidcError("InvalidRequestException", f"{name} must be a list of strings")
    return value


def req_query(query, name):
    value = query.get(name, [""])[-1]
    if not value:
        raise PortalError("InvalidRequestException", f"{name} is required")
    return value


def find_account(tenant, account_id):
    return next((a for a in tenant["accounts"] if a["accountId"] == account_id), None)


def parse_accounts(accounts):
    if not isinstance(accounts, list):
        raise ControlError(400, "accounts must be a list")
    parsed, seen = [], set()
    for a in accounts:
        if not isinstance(a, dict) or not re.fullmatch(r"\d{12}", str(a.get("accountId", ""))):
            raise ControlError(400, f"each account needs a 12-digit accountId: {a!r}")
        roles = a.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) and r for r in roles):
            raise ControlError(400, f"roles must be a list of names: {a!r}")
        if a["accountId"] in seen:
            raise ControlError(400, f"account {a['accountId']} is listed twice")
        seen.add(a["accountId"])
        parsed.append(
            {
                "accountId": a["accountId"],
                "accountName": str(a.get("accountName", a["accountId"])),
                "emailAddress": a.get("emailAddress"),
                "roles": list(roles),
            }
        )
    return parsed


def apply_behaviour(tenant, body, creating):
    allowed = {"deny", "access_token_ttl", "refresh_token_ttl", "page_size", "user"}
    if creating:
        allowed.add("accounts")
    if not isinstance(body, dict) or set(body) - allowed:
        raise ControlError(400, f"expected a JSON object with some of {sorted(allowed)}")
    if "deny" in body:
        if not isinstance(body["deny"], bool):
            raise ControlError(400, "deny must be true or false")
        tenant["deny"] = body["deny"]
    for key, low, high in (("access_token_ttl", 1, 10**7), ("refresh_token_ttl", 1, 10**8), ("page_size", 1, 100)):
        if key in body:
            value = body[key]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise ControlError(400, f"{key} must be an integer from {low} to {high}")
            tenant[key] = value
    if "user" in body:
        if not isinstance(body["user"], str) or not SESSION_NAME.fullmatch(body["user"]):
            raise ControlError(400, "user must be a valid role session name ([\\w+=,.@-]{2,64})")
        tenant["user"] = body["user"]


def behaviour_of(tenant):
    return {k: tenant[k] for k in ("deny", "access_token_ttl", "refresh_token_ttl", "page_size", "user")}


# --- HTTP ---------------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "keyhop-sso-rig"
    # Headers and body go out in two writes; with Nagle on, a keep-alive client waits ~40 ms
    # (delayed ACK) for each reply.
    disable_nagle_algorithm = True
    state: State  # set on the class by main()

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method):
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        state = self.state
        try:
            if path.startswith("/_rig/"):
                return self._control(method, path, raw)
            route = (method, path)
            if route == ("POST", "/client/register"):
                return self._json(200, state.register_client(oidc_body(raw)))
            if route == ("POST", "/device_authorization"):
                return self._json(200, state.start_device_authorization(oidc_body(raw)))
            if route == ("POST", "/token"):
                if "aws_iam" in query:
                    raise OidcError("InvalidRequestException", "CreateTokenWithIAM is not implemented by the rig")
                return self._json(200, state.create_token(oidc_body(raw)))
            if route == ("GET", "/authorize"):
                status, location, text = state.authorize(query)
                return self._page(status, text, location)
            if route == ("GET", "/device"):
                return self._page(*state.device_page(query))
            if route == ("GET", "/assignment/accounts"):
                return self._json(200, state.list_accounts(self.headers, query))
            if route == ("GET", "/assignment/roles"):
                return self._json(200, state.list_account_roles(self.headers, query))
            if route == ("GET", "/federation/credentials"):
                return self._json(200, state.get_role_credentials(self.headers, query))
            if path == "/federation" and method in ("GET", "POST"):
                return self._federation(method, query, raw)
            if path.startswith("/saml/idp/"):
                return self._saml(method, path, query, raw)
            if route == ("POST", "/logout"):
                state.logout(self.headers)
                return self._send(200, b"", {})
            if method == "GET" and path.startswith("/start/"):
                tenant = state.tenant_of_start_url(state.base_url + path)
                if tenant is None:
                    return self._page(404, "No such portal.")
                return self._page(200, f"AWS access portal (keyhop test rig), tenant {tenant['id']}.")
            return self._error(404, "UnknownOperationException", {"message": f"No operation {method} {path}"})
        except OidcError as e:
            self._error(e.status, e.name, {"error": OAUTH_CODES[e.name], "error_description": e.description}, OIDC_ERROR_SUFFIX)
        except PortalError as e:
            self._error(e.status, e.name, {"message": e.message}, PORTAL_ERROR_SUFFIX)
        except ControlError as e:
            self._json(e.status, {"error": e.message})
        except saml_idp.IdpError as e:
            self._json(e.status, {"error": e.message})
        except Exception as e:  # a bug here, or moto unreachable: say so, keep serving
            traceback.print_exc()
            self._error(500, "InternalServerException", {"message": f"sso rig server failure: {e}"})

    def _federation(self, method, query, raw):
        """The sign-in federation endpoint (federation.py): getSigninToken from the query or,
        as AWS also accepts, a form body; login as the browser opens it."""
        params = {k: v[-1] for k, v in query.items()}
        if method == "POST":
            form = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
            params.update({k: v[-1] for k, v in form.items()})
        if params.get("Action") == "login":
            return self._page(*self.state.federation.login(params))
        try:
            return self._json(200, self.state.federation.get_signin_token(params))
        except federation.Refused as e:
            return self._send(400, f"Bad request: {e}\n".encode(), {"Content-Type": "text/plain; charset=utf-8"})

    def _saml(self, method, path, query, raw):
        """The SAML IdP's browser side (saml_idp.py): the AWS app's sign-in URL and its login form."""
        match = re.fullmatch(r"/saml/idp/([A-Za-z0-9-]+)/(sso|login)", path)
        if not match:
            return self._page(404, "No such page.")
        idp_id, action = match.groups()
        if (method, action) == ("GET", "sso"):
            cookies = {k: m.value for k, m in SimpleCookie(self.headers.get("Cookie") or "").items()}
            status, headers, body = self.state.saml.sso(idp_id, query, cookies)
        elif (method, action) == ("POST", "login"):
            status, headers, body = self.state.saml.login(idp_id, raw)
        else:
            return self._page(405, "Method not allowed.")
        self._send(status, body.encode(), {"Content-Type": "text/html; charset=utf-8", **headers})

    def _control(self, method, path, raw):
        state = self.state
        if (method, path) == ("GET", "/_rig/health"):
            return self._json(200, {"ok": True})
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            raise ControlError(400, "the body is not JSON")
        if (method, path) == ("POST", "/_rig/federation/token"):
            found = state.federation.describe(body.get("SigninToken") if isinstance(body, dict) else None)
            if found is None:
                raise ControlError(404, "no such sign-in token")
            return self._json(200, found)
        if (method, path) == ("POST", "/_rig/tenants"):
            if not isinstance(body, dict):
                raise ControlError(400, "expected a JSON object")
            return self._json(200, state.create_tenant(body))
        if (method, path) == ("POST", "/_rig/saml/idps"):
            return self._json(200, state.saml.create(body))
        match = re.fullmatch(r"/_rig/saml/idps/([A-Za-z0-9-]+)/(behaviour|stats|sign_out)", path)
        if match:
            idp_id, action = match.groups()
            if (method, action) == ("POST", "behaviour"):
                return self._json(200, state.saml.behaviour(idp_id, body))
            if (method, action) == ("GET", "stats"):
                return self._json(200, state.saml.stats(idp_id))
            if (method, action) == ("POST", "sign_out"):
                return self._json(200, state.saml.expire_sessions(idp_id))
        match = re.fullmatch(r"/_rig/tenants/([A-Za-z0-9-]+)/(accounts|behaviour|expire|stats)", path)
        if match:
            tenant_id, action = match.groups()
            if (method, action) == ("PUT", "accounts"):
                return self._json(200, state.replace_accounts(tenant_id, body))
            if (method, action) == ("POST", "behaviour"):
                return self._json(200, state.set_behaviour(tenant_id, body))
            if (method, action) == ("POST", "expire"):
                if not isinstance(body, dict):
                    raise ControlError(400, "expected a JSON object")
                return self._json(200, state.expire(tenant_id, body))
            if (method, action) == ("GET", "stats"):
                return self._json(200, state.stats(tenant_id))
        raise ControlError(404, f"no control endpoint {method} {path}")

    def _json(self, status, obj):
        self._send(status, json.dumps(obj).encode(), {"Content-Type": "application/json"})

    def _error(self, status, name, body, suffix=""):
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": name + suffix}
        self._send(status, json.dumps(body).encode(), headers)

    def _page(self, status, text, location=None):
        page = f"<!doctype html><title>keyhop SSO rig</title><p>{html.escape(text)}</p>\n".encode()
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if location:
            headers["Location"] = location
        self._send(status, page, headers)

    def _send(self, status, body, headers):
        self.send_response(status)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_request(self, code="-", size="-"):
        # Paths only, no query: the federation endpoint's query carries credentials and sign-in
        # tokens; other tokens travel in headers and bodies, never in what is logged.
        path = urlsplit(getattr(self, "path", "") or "").path
        self.log_message("%s %s %s", self.command, path, str(code))

    def log_message(self, format, *args):
        sys.stderr.write(f"{time.strftime('%H:%M:%S')} {self.address_string()} {format % args}\n")


def oidc_body(raw):
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise OidcError("InvalidRequestException", "The request body is not valid JSON")
    if not isinstance(body, dict):
        raise OidcError("InvalidRequestException", "The request body must be a JSON object")
    return body


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1 (0: any free one)")
    parser.add_argument("--moto", required=True, help="moto server URL, for STS AssumeRole")
    args = parser.parse_args()
    # The caller's AWS settings must not reach the STS client (a missing AWS_PROFILE would fail it).
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        os.environ.pop(var, None)
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    Handler.state = State(f"http://127.0.0.1:{port}", args.moto.rstrip("/"))
    print(f"sso_server: listening on http://127.0.0.1:{port} (moto at {args.moto})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
