#!/usr/bin/env python3
"""What a user's browser does at the rig's SAML IdP (saml_idp.py), for tests without a webview:
open the AWS app's sign-in URL, fill in the login form when one comes, and take the
`SAMLResponse` out of the auto-submitting form instead of posting it to AWS.

    python3 xtask/rig/saml_browser.py SSO_URL [--user U --password P] [--cookies FILE]

Prints the SAMLResponse (base64, as the form would post it) on stdout. Exits 2 when the IdP
wants a login and no credentials were given, 3 when the page holds no SAMLResponse.
`--cookies FILE` keeps the IdP session cookie between runs (a second run signs in silently).
Standard library only.
"""

import argparse
import http.cookiejar
import sys
import urllib.parse
import urllib.request
from html.parser import HTMLParser


class Forms(HTMLParser):
    """Every <form> of a page: its action and its inputs' names and values."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "inputs": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["inputs"][attrs["name"]] = attrs.get("value") or ""


def forms_of(page):
    parser = Forms()
    parser.feed(page)
    return parser.forms


class Browser:
    def __init__(self, cookie_file=None):
        self.jar = http.cookiejar.LWPCookieJar(cookie_file) if cookie_file else http.cookiejar.CookieJar()
        if cookie_file:
            try:
                self.jar.load(ignore_discard=True)
            except FileNotFoundError:
                pass
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.cookie_file = cookie_file

    def open(self, url, form=None):
        """(final URL, status, page) after redirects."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(url, data=data, timeout=30) as reply:
                return reply.geturl(), reply.status, reply.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return url, e.code, e.read().decode("utf-8", "replace")

    def save(self):
        if self.cookie_file:
            self.jar.save(ignore_discard=True)


def sign_in(url, user=None, password=None, cookie_file=None):
    """(form action, SAMLResponse or None, what happened: "silent" | "login" | "needs-login" | status)."""
    browser = Browser(cookie_file)
    final, status, page = browser.open(url)
    how = "silent"
    forms = forms_of(page)
    login = next((f for f in forms if "password" in f["inputs"]), None)
    if login is not None:
        if user is None:
            return None, None, "needs-login"
        fields = dict(login["inputs"], username=user, password=password or "")
        final, status, page = browser.open(urllib.parse.urljoin(final, login["action"]), fields)
        how = "login"
        forms = forms_of(page)
    browser.save()
    post = next((f for f in forms if "SAMLResponse" in f["inputs"]), None)
    if post is None:
        return None, None, f"{how}: HTTP {status}, no SAMLResponse"
    return post["action"], post["inputs"]["SAMLResponse"], how


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--cookies")
    args = parser.parse_args()
    _, response, how = sign_in(args.url, args.user, args.password, args.cookies)
    if how == "needs-login":
        print("saml_browser: the IdP wants a login and no --user was given", file=sys.stderr)
        return 2
    if response is None:
        print(f"saml_browser: {how}", file=sys.stderr)
        return 3
    print(response)
    return 0


if __name__ == "__main__":
    sys.exit(main())
