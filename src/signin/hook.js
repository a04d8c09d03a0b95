// keyhop-signin's initialization script: runs in every page before the page's own scripts.
// 1. Takes the SAMLResponse out of any form bound for AWS's SAML endpoint (form.submit(),
//    requestSubmit() and a button press alike) and hands it to keyhop instead of posting it.
// 2. Tells keyhop when the page wants the user (visible fields or buttons), so the window shows
//    itself then and only then.
(function () {
  "use strict";
  if (window.__keyhopSignIn) {
    return;
  }
  window.__keyhopSignIn = true;
  // AWS's sign-in hosts, one per partition (keyhop_core::saml::aws_signin_hosts).
  var HOSTS = __KEYHOP_HOSTS__;

  function post(message) {
    window.ipc.postMessage(JSON.stringify(message));
  }

  // The same rule as keyhop_core::saml::aws_saml_endpoint (keyhop checks it again).
  function awsEndpoint(action) {
    var url;
    try {
      url = new URL(action, document.baseURI);
    } catch (e) {
      return null;
    }
    if (url.protocol !== "https:" || url.port || url.username || url.search) {
      return null;
    }
    var host = url.hostname.toLowerCase();
    var ours = HOSTS.some(function (base) {
      if (host === base) {
        return true;
      }
      var label = host.slice(0, -base.length - 1);
      return host.endsWith("." + base) && /^[a-z0-9-]+$/.test(label) && /[0-9]/.test(label);
    });
    var path = /^\/saml(\/|\/acs\/[A-Za-z0-9_-]+\/?)?$/.test(url.pathname);
    return ours && path ? url.href : null;
  }

  function formAction(form) {
    // getAttribute: an input named "action" would hide the form's property.
    return form.getAttribute("action") || document.location.href;
  }

  // true when the form was bound for AWS: its assertion went to keyhop, nowhere else.
  function capture(form) {
    if (!(form instanceof HTMLFormElement)) {
      return false;
    }
    var field = form.querySelector('[name="SAMLResponse"]');
    var action = awsEndpoint(formAction(form));
    if (!field || !action) {
      return false;
    }
    post({ kind: "assertion", action: action, response: field.value });
    return true;
  }

  var submit = HTMLFormElement.prototype.submit;
  HTMLFormElement.prototype.submit = function () {
    if (!capture(this)) {
      return submit.apply(this, arguments);
    }
  };
  document.addEventListener(
    "submit",
    function (event) {
      if (capture(event.target)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  function visible(el) {
    if (el.disabled || el.getClientRects().length === 0) {
      return false;
    }
    var style = window.getComputedStyle(el);
    return style.visibility !== "hidden" && style.display !== "none" && style.opacity !== "0";
  }

  // A field or button the user can act on, outside a form that carries an assertion (that
  // form's own button, if any, is the IdP's fallback for browsers without scripts).
  function wantsInput() {
    var els = document.querySelectorAll('input, textarea, select, button, [role="button"]');
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var type = (el.getAttribute("type") || "").toLowerCase();
      if (type === "hidden") {
        continue;
      }
      if (el.form && el.form.querySelector('[name="SAMLResponse"]')) {
        continue;
      }
      if (visible(el)) {
        return true;
      }
    }
    return false;
  }

  var told = false;
  function check() {
    if (!told && document.body && wantsInput()) {
      told = true;
      post({ kind: "input" });
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    check();
    // Pages that draw their login form with scripts (Okta, Entra ID) do it after loading.
    new MutationObserver(check).observe(document.documentElement, {
      subtree: true,
      childList: true,
      attributes: true,
    });
  });
  window.addEventListener("load", check);
})();
