"""A SAML 2.0 identity provider for keyhop's test rig, with an "AWS app" as Okta, Entra ID or
Keycloak have one: its sign-in URL (`/saml/idp/<id>/sso`) shows a login form, keeps an IdP
session cookie (a second visit signs in silently), and hands the browser the assertion with the
HTTP-POST binding: an auto-submitting HTML form whose action is the AWS SAML endpoint
(https://signin.aws.amazon.com/saml) and whose `SAMLResponse` input holds the base64 Response.

The Response is built with lxml and its Assertion signed with signxml (XML-DSig, RSA-SHA256,
exclusive C14N, the signature after the Issuer as the SAML schema places it), with a
self-signed certificate the rig makes at start-up. It carries what AWS reads:
`Destination`/`Recipient` = the AWS endpoint, the audience `urn:amazon:webservices`, and the
attributes `https://aws.amazon.com/SAML/Attributes/Role` (one `role-arn,provider-arn` value per
pair), `.../RoleSessionName` and, when set, `.../SessionDuration`.

moto's AssumeRoleWithSAML reads only ONE value of the `Role` attribute (several values raise a
TypeError in it; AWS itself takes several and picks by RoleArn). So the sign-in URL takes
`?role=<role ARN>`: the assertion then lists only that pair. Without it, all pairs: that is the
assertion for role discovery. What keyhop sends to STS is always the assertion unchanged.

served by sso_server.py (one server, one port, beside the SSO portal and /federation).
"""

import base64
import datetime
import html
import secrets
import threading
import time
import uuid
from urllib.parse import parse_qs, urlencode

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import CanonicalizationMethod, XMLSigner, methods

AWS_ACS = "https://signin.aws.amazon.com/saml"
AWS_AUDIENCE = "urn:amazon:webservices"
ROLE_ATTR = "https://aws.amazon.com/SAML/Attributes/Role"
SESSION_NAME_ATTR = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
SESSION_DURATION_ATTR = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
# What a "foreign" IdP posts to: another service provider's endpoint.
FOREIGN_ACS = "https://sp.example.com/saml/acs"
FOREIGN_AUDIENCE = "https://sp.example.com/saml/metadata"

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XS = "http://www.w3.org/2001/XMLSchema"

# How an assertion is made: as a good IdP does, already expired, for another service provider,
# or never handed over (the page waits forever: keyhop must time out).
MODES = ("normal", "expired", "foreign", "never_post")
# A real IdP's assertion is valid for a few minutes.
ASSERTION_TTL = 300


class IdpError(Exception):
    """A control-API error: HTTP status and message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def instant(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_signing_key():
    """An RSA key and a self-signed certificate (PEM strings) for signing assertions."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "keyhop test rig IdP")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


def parse_roles(roles):
    """[{"role": ARN, "provider": ARN}, …] (or [ARN, ARN] pairs) → [(role, provider), …]."""
    if not isinstance(roles, list) or not roles:
        raise IdpError(400, "roles must be a non-empty list")
    pairs = []
    for item in roles:
        if isinstance(item, dict):
            pair = (item.get("role"), item.get("provider"))
        elif isinstance(item, list) and len(item) == 2:
            pair = tuple(item)
        else:
            raise IdpError(400, "each role is {role, provider} or [role, provider]")
        if not all(isinstance(p, str) and p.startswith("arn:") for p in pair):
            raise IdpError(400, f"not a role/provider ARN pair: {item!r}")
        pairs.append(pair)
    return pairs


class SamlIdps:
    """The rig's identity providers (one per test, created through the control API)."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.lock = threading.Lock()
        self.idps = {}
        # IdP session cookie value -> [idp id, expires at, fresh]; fresh until the visit that
        # follows the login (which is not a silent sign-in).
        self.sessions = {}
        self.key_pem, self.cert_pem = make_signing_key()

    # --- control API ----------------------------------------------------------------------

    def create(self, body):
        idp_id = "idp-" + secrets.token_hex(6)
        idp = {
            "id": idp_id,
            "user": "rig-user",
            "password": "rig-password",
            "session_name": "rig-user@example.com",
            "session_duration": None,
            "mode": "normal",
            "provider_first": False,
            "cookie_ttl": 3600,
            # A session cookie (no Max-Age: "keep me signed in" unticked, most IdPs' default);
            # the IdP's session still ends after cookie_ttl on its side.
            "session_cookie": False,
            "roles": [],
            "stats": {"login_forms": 0, "logins": 0, "failed_logins": 0, "silent_sign_ins": 0, "assertions": 0},
        }
        self._apply(idp, body, creating=True)
        with self.lock:
            self.idps[idp_id] = idp
        return {"idp": idp_id, "sso_url": self.sso_url(idp_id), "certificate": self.cert_pem}

    def behaviour(self, idp_id, body):
        idp = self.idp(idp_id)
        with self.lock:
            self._apply(idp, body, creating=False)
            return {k: idp[k] for k in ("mode", "session_duration", "provider_first", "cookie_ttl", "session_cookie")}

    def stats(self, idp_id):
        idp = self.idp(idp_id)
        with self.lock:
            return dict(idp["stats"])

    def expire_sessions(self, idp_id):
        self.idp(idp_id)
        with self.lock:
            gone = [c for c, (owner, _, _) in self.sessions.items() if owner == idp_id]
            for cookie in gone:
                del self.sessions[cookie]
        return {"sessions": len(gone)}

    def _apply(self, idp, body, creating):
        if not isinstance(body, dict):
            raise IdpError(400, "expected a JSON object")
        if "roles" in body or creating:
            idp["roles"] = parse_roles(
                body.get("roles", [["arn:aws:iam::123456789012:role/RigAdmin", "arn:aws:iam::123456789012:saml-provider/rig"]])
            )
        for name in ("user", "password", "session_name"):
            if name in body:
                if not isinstance(body[name], str) or not body[name]:
                    raise IdpError(400, f"{name} must be a non-empty string")
                idp[name] = body[name]
        if "mode" in body:
            if body["mode"] not in MODES:
                raise IdpError(400, f"mode must be one of {', '.join(MODES)}")
            idp["mode"] = body["mode"]
        if "session_duration" in body:
            if body["session_duration"] is not None and not isinstance(body["session_duration"], int):
                raise IdpError(400, "session_duration must be seconds or null")
            idp["session_duration"] = body["session_duration"]
        if "provider_first" in body:
            idp["provider_first"] = bool(body["provider_first"])
        if "cookie_ttl" in body:
            idp["cookie_ttl"] = int(body["cookie_ttl"])
        if "session_cookie" in body:
            idp["session_cookie"] = bool(body["session_cookie"])

    def idp(self, idp_id):
        with self.lock:
            idp = self.idps.get(idp_id)
        if idp is None:
            raise IdpError(404, f"no IdP {idp_id}")
        return idp

    def sso_url(self, idp_id):
        return f"{self.base_url}/saml/idp/{idp_id}/sso"

    # --- the browser's side ---------------------------------------------------------------

    def cookie_name(self, idp_id):
        return f"rig_idp_{idp_id.replace('-', '_')}"

    def session(self, idp_id, cookies):
        """None (not signed in), "fresh" (just logged in) or "silent" (from an earlier login)."""
        value = cookies.get(self.cookie_name(idp_id))
        with self.lock:
            found = self.sessions.get(value) if value else None
            if found is None or found[0] != idp_id or found[1] <= time.time():
                return None
            fresh, found[2] = found[2], False
            return "fresh" if fresh else "silent"

    def sso(self, idp_id, query, cookies):
        """GET <sso_url>[?role=ARN] → (status, headers, html)."""
        idp = self.idp(idp_id)
        role = query.get("role", [None])[-1]
        if role is not None and role not in [r for r, _ in idp["roles"]]:
            return 403, {}, page("Not assigned", f"<p>You are not assigned the role {html.escape(role)}.</p>")
        how = self.session(idp_id, cookies)
        if how is None:
            with self.lock:
                idp["stats"]["login_forms"] += 1
            return 200, {}, self.login_form(idp_id, role, error=None)
        if how == "silent":
            with self.lock:
                idp["stats"]["silent_sign_ins"] += 1
        return self.hand_over(idp, role)

    def login(self, idp_id, raw_form):
        """POST <idp>/login (username, password, role) → (status, headers, html)."""
        idp = self.idp(idp_id)
        form = {k: v[-1] for k, v in parse_qs(raw_form.decode("utf-8", "replace"), keep_blank_values=True).items()}
        role = form.get("role") or None
        if form.get("username") != idp["user"] or form.get("password") != idp["password"]:
            with self.lock:
                idp["stats"]["failed_logins"] += 1
            return 200, {}, self.login_form(idp_id, role, error="Wrong user name or password.")
        cookie = secrets.token_urlsafe(32)
        with self.lock:
            idp["stats"]["logins"] += 1
            self.sessions[cookie] = [idp_id, time.time() + idp["cookie_ttl"], True]
        back = self.sso_url(idp_id) + ("?" + urlencode({"role": role}) if role else "")
        # Persistent ("keep me signed in", as IdPs offer it) unless session_cookie: a browser, or
        # keyhop's sign-in window in its next run, signs in silently from it until it expires.
        lasting = "" if idp["session_cookie"] else f"; Max-Age={idp['cookie_ttl']}"
        headers = {
            "Set-Cookie": f"{self.cookie_name(idp_id)}={cookie}; Path=/saml/idp/{idp_id}{lasting}; HttpOnly; SameSite=Lax",
            "Location": back,
        }
        return 303, headers, page("Signed in", f'<p><a href="{html.escape(back)}">Continue</a></p>')

    def login_form(self, idp_id, role, error):
        hidden = f'<input type="hidden" name="role" value="{html.escape(role)}">' if role else ""
        message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
        return page(
            "Sign in",
            f"""<h1>Sign in to the keyhop test IdP</h1>{message}
<form method="post" action="/saml/idp/{idp_id}/login" id="login">
<label>User name <input name="username" id="username" autocomplete="username" autofocus></label>
<label>Password <input name="password" id="password" type="password" autocomplete="current-password"></label>
{hidden}<button type="submit" id="submit">Sign in</button>
</form>""",
        )

    def hand_over(self, idp, role):
        if idp["mode"] == "never_post":
            # A page that keeps the browser busy and never posts anywhere.
            return 200, {}, page("Please wait", "<p>Signing you in…</p><script>setInterval(function(){}, 1000);</script>")
        response = self.response_b64(idp, role)
        acs = FOREIGN_ACS if idp["mode"] == "foreign" else AWS_ACS
        with self.lock:
            idp["stats"]["assertions"] += 1
        body = f"""<!DOCTYPE html>
<html><head><title>Signing in to AWS</title></head><body onload="document.forms[0].submit()">
<form method="post" action="{html.escape(acs)}">
<input type="hidden" name="SAMLResponse" value="{response}">
<input type="hidden" name="RelayState" value="">
<noscript><button type="submit">Continue</button></noscript>
</form></body></html>"""
        return 200, {"Cache-Control": "no-store"}, body

    # --- the assertion ----------------------------------------------------------------------

    def response_b64(self, idp, role):
        return base64.b64encode(self.response_xml(idp, role)).decode("ascii")

    def response_xml(self, idp, role):
        now = time.time()
        if idp["mode"] == "expired":
            # Issued 20 minutes ago, valid for 5: stale by 15 minutes.
            now -= 1200
        foreign = idp["mode"] == "foreign"
        acs = FOREIGN_ACS if foreign else AWS_ACS
        issuer = f"{self.base_url}/saml/idp/{idp['id']}"
        assertion_id = "_" + uuid.uuid4().hex
        response = etree.Element(
            f"{{{SAMLP}}}Response",
            nsmap={"saml2p": SAMLP, "saml2": SAML},
            ID="_" + uuid.uuid4().hex,
            Version="2.0",
            IssueInstant=instant(now),
            Destination=acs,
        )
        etree.SubElement(response, f"{{{SAML}}}Issuer").text = issuer
        status = etree.SubElement(response, f"{{{SAMLP}}}Status")
        etree.SubElement(status, f"{{{SAMLP}}}StatusCode", Value="urn:oasis:names:tc:SAML:2.0:status:Success")
        assertion = self.assertion(idp, role, assertion_id, issuer, acs, now, foreign)
        signed = XMLSigner(
            method=methods.enveloped,
            signature_algorithm="rsa-sha256",
            digest_algorithm="sha256",
            c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
        ).sign(assertion, key=self.key_pem, cert=self.cert_pem, reference_uri=assertion_id)
        response.append(signed)
        return etree.tostring(response, xml_declaration=True, encoding="UTF-8")

    def assertion(self, idp, role, assertion_id, issuer, acs, now, foreign):
        assertion = etree.Element(
            f"{{{SAML}}}Assertion",
            nsmap={"saml2": SAML, "xs": XS, "xsi": XSI},
            ID=assertion_id,
            Version="2.0",
            IssueInstant=instant(now),
        )
        etree.SubElement(assertion, f"{{{SAML}}}Issuer").text = issuer
        # signxml puts the signature here, after the Issuer, where the SAML schema wants it.
        etree.SubElement(assertion, f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
        subject = etree.SubElement(assertion, f"{{{SAML}}}Subject")
        etree.SubElement(
            subject, f"{{{SAML}}}NameID", Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
        ).text = idp["user"]
        confirmation = etree.SubElement(subject, f"{{{SAML}}}SubjectConfirmation", Method="urn:oasis:names:tc:SAML:2.0:cm:bearer")
        etree.SubElement(
            confirmation, f"{{{SAML}}}SubjectConfirmationData", NotOnOrAfter=instant(now + ASSERTION_TTL), Recipient=acs
        )
        conditions = etree.SubElement(
            assertion, f"{{{SAML}}}Conditions", NotBefore=instant(now - 5), NotOnOrAfter=instant(now + ASSERTION_TTL)
        )
        restriction = etree.SubElement(conditions, f"{{{SAML}}}AudienceRestriction")
        etree.SubElement(restriction, f"{{{SAML}}}Audience").text = FOREIGN_AUDIENCE if foreign else AWS_AUDIENCE
        authn = etree.SubElement(
            assertion, f"{{{SAML}}}AuthnStatement", AuthnInstant=instant(now), SessionIndex="_" + uuid.uuid4().hex
        )
        context = etree.SubElement(authn, f"{{{SAML}}}AuthnContext")
        etree.SubElement(
            context, f"{{{SAML}}}AuthnContextClassRef"
        ).text = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
        statement = etree.SubElement(assertion, f"{{{SAML}}}AttributeStatement")
        pairs = [p for p in idp["roles"] if role is None or p[0] == role]
        values = [f"{p},{r}" if idp["provider_first"] else f"{r},{p}" for r, p in pairs]
        attribute(statement, ROLE_ATTR, values)
        attribute(statement, SESSION_NAME_ATTR, [idp["session_name"]])
        if idp["session_duration"] is not None:
            attribute(statement, SESSION_DURATION_ATTR, [str(idp["session_duration"])])
        return assertion


def attribute(statement, name, values):
    element = etree.SubElement(
        statement, f"{{{SAML}}}Attribute", Name=name, NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
    )
    for value in values:
        etree.SubElement(element, f"{{{SAML}}}AttributeValue", {f"{{{XSI}}}type": "xs:string"}).text = value


def page(title, body):
    return f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title></head><body>{body}</body></html>"
