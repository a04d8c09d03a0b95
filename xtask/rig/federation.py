"""The AWS sign-in federation endpoint (https://signin.aws.amazon.com/federation) for keyhop's
test rig: `Action=getSigninToken` turns temporary credentials into a sign-in token, and
`Action=login` with that token sends the browser on to the console page (`Destination`).

The real endpoint cannot be reached from the tests, and no emulator has it, so sso_server.py
serves it at /federation (GET with a query, or POST with a form body, as AWS accepts both).
It takes only credentials that moto issued:

- it asks moto's STS GetCallerIdentity, through boto3 and signed with the credentials, who they
  belong to;
- moto checks no signature, so the rig also compares the secret key and the session token with
  what moto issued: an AssumeRole's credentials (moto's /moto-api/data.json lists them), or
  moto's GetFederationToken answer (moto gives every caller the same fixed credentials for it:
  the rig learns them by asking once);
- it refuses long-term keys (no session token) and GetSessionToken credentials, as AWS does,
  and `SessionDuration` with GetFederationToken credentials (AWS fails that request too).

A refusal is HTTP 400 with a short text body, like the real endpoint's error page; the body
never repeats what was sent.
"""

import json
import secrets
import threading
import time
import urllib.request
from urllib.parse import urlsplit

import boto3
from botocore.config import Config

# AWS: a sign-in token must be used within 15 minutes.
SIGNIN_TOKEN_TTL = 900
# SessionDuration bounds of getSigninToken (role credentials only).
SESSION_DURATION = (900, 43200)


class Refused(Exception):
    """The request is refused: HTTP 400 with this text."""


class Federation:
    def __init__(self, moto_url):
        self.moto_url = moto_url
        self.lock = threading.Lock()
        self.tokens = {}  # SigninToken -> what it signs in as
        self._fixed = None  # moto's fixed GetFederationToken / GetSessionToken answers

    # --- Action=getSigninToken --------------------------------------------------------------

    def get_signin_token(self, params):
        """{"SigninToken": ...} for the `Session` credentials, or Refused."""
        if params.get("Action") != "getSigninToken":
            raise Refused("Action must be getSigninToken")
        try:
            session = json.loads(params.get("Session", ""))
        except ValueError:
            raise Refused("Session is not JSON")
        if not isinstance(session, dict):
            raise Refused("Session must be a JSON object")
        creds = {k: session.get(k) for k in ("sessionId", "sessionKey", "sessionToken")}
        if not all(isinstance(v, str) and v for v in creds.values()):
            # Long-term access keys have no session token: AWS wants temporary credentials.
            raise Refused("Session needs sessionId, sessionKey and sessionToken (temporary credentials)")
        duration = params.get("SessionDuration")
        if duration is not None:
            if not duration.isdigit() or not SESSION_DURATION[0] <= int(duration) <= SESSION_DURATION[1]:
                raise Refused(f"SessionDuration must be {SESSION_DURATION[0]}..{SESSION_DURATION[1]}")
            duration = int(duration)
        kind, record = self.issued_by_moto(creds)
        if kind == "federated-user" and duration is not None:
            raise Refused("SessionDuration cannot be used with GetFederationToken credentials")
        identity = self.caller_identity(creds)
        if kind == "assumed-role" and identity["Arn"] != record["arn"]:
            raise Refused("the credentials do not belong to the session moto issued them for")
        token = "rig" + secrets.token_urlsafe(96)
        with self.lock:
            self.tokens[token] = {
                "kind": kind,
                # moto does not know the federated user behind its fixed answer; it names the
                # caller `user/moto` then, so the role's ARN is the only one worth reporting.
                "arn": identity["Arn"] if kind == "assumed-role" else None,
                "account": identity["Account"],
                "session_duration": duration,
                "expires_at": time.time() + SIGNIN_TOKEN_TTL,
                "logins": 0,
                "issuer": None,
                "destination": None,
            }
        return {"SigninToken": token}

    def issued_by_moto(self, creds):
        """("assumed-role", moto's record) or ("federated-user", None); Refused otherwise."""
        for role in self.assumed_roles():
            if role.get("access_key_id") == creds["sessionId"]:
                same = secrets.compare_digest(role.get("secret_access_key", ""), creds["sessionKey"]) and (
                    secrets.compare_digest(role.get("session_token", ""), creds["sessionToken"])
                )
                if not same:
                    raise Refused("the credentials are not valid")
                return "assumed-role", role
        federation, session = self.fixed_answers()
        triple = (creds["sessionId"], creds["sessionKey"], creds["sessionToken"])
        if triple == federation:
            return "federated-user", None
        if triple == session:
            raise Refused("GetSessionToken credentials cannot sign in to the console")
        raise Refused("the credentials are not valid")

    def assumed_roles(self):
        """What moto's AssumeRole issued so far (its /moto-api/data.json)."""
        with urllib.request.urlopen(f"{self.moto_url}/moto-api/data.json", timeout=30) as reply:
            data = json.loads(reply.read())
        return data.get("sts", {}).get("AssumedRole", [])

    def fixed_answers(self):
        """moto answers every GetFederationToken and every GetSessionToken with one fixed set of
        credentials each; asked once, with keys of the rig's own."""
        with self.lock:
            if self._fixed is None:
                sts = self.sts("AKIAFEDERATIONRIG000", "federation-rig-dummy-secret", None)
                fed = sts.get_federation_token(Name="keyhop-rig", DurationSeconds=900)["Credentials"]
                ses = sts.get_session_token(DurationSeconds=900)["Credentials"]
                self._fixed = tuple(
                    (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]) for c in (fed, ses)
                )
            return self._fixed

    def caller_identity(self, creds):
        """moto's GetCallerIdentity, signed with the credentials themselves."""
        sts = self.sts(creds["sessionId"], creds["sessionKey"], creds["sessionToken"])
        answer = sts.get_caller_identity()
        return {k: answer[k] for k in ("UserId", "Account", "Arn")}

    def sts(self, key, secret, token):
        return boto3.session.Session().client(
            "sts",
            endpoint_url=self.moto_url,
            region_name="us-east-1",
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
            config=Config(retries={"max_attempts": 1}),
        )

    # --- Action=login -----------------------------------------------------------------------

    def login(self, params):
        """(status, page text, Location or None): a valid token sends the browser on to the
        Destination, as the real endpoint does once it has set the console's cookies."""
        if params.get("Action") != "login":
            return 400, "Action must be login.", None
        destination = params.get("Destination", "")
        parts = urlsplit(destination)
        if parts.scheme != "https" or not parts.hostname:
            return 400, "Destination must be an https URL.", None
        with self.lock:
            record = self.tokens.get(params.get("SigninToken", ""))
            if record is None or record["expires_at"] <= time.time():
                return 400, "The sign-in token is not valid or has expired.", None
            record["logins"] += 1
            record["issuer"] = params.get("Issuer")
            record["destination"] = destination
        return 302, "Signing in to the console.", destination

    # --- control API ------------------------------------------------------------------------

    def describe(self, token):
        """What a sign-in token signs in as (POST /_rig/federation/token), or None."""
        with self.lock:
            record = self.tokens.get(token) if isinstance(token, str) else None
            if record is None:
                return None
            return {k: v for k, v in record.items() if k != "expires_at"} | {
                "expired": record["expires_at"] <= time.time()
            }
