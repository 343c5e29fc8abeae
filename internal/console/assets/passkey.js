// The console's one script: the passkey ceremonies (WebAuthn), which need
// the browser's navigator.credentials. Every page works without it but
// these two buttons.
"use strict";
(function () {
  function b64u(buf) {
    var s = "", bytes = new Uint8Array(buf);
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function unb64u(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function post(url, token, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: body === undefined ? "{}" : JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error(j.error || r.statusText);
        return j;
      });
    });
  }
  function say(form, msg) {
    var s = form.querySelector("[role=status]");
    if (s) s.textContent = msg;
  }

  function register(form) {
    var token = form.elements.csrf.value;
    post("/console/passkeys/register/begin", token).then(function (o) {
      var pk = o.publicKey;
      pk.challenge = unb64u(pk.challenge);
      pk.user.id = unb64u(pk.user.id);
      (pk.excludeCredentials || []).forEach(function (c) { c.id = unb64u(c.id); });
      return navigator.credentials.create({ publicKey: pk });
    }).then(function (cred) {
      return post("/console/passkeys/register/finish", token, {
        id: cred.id, rawId: b64u(cred.rawId), type: cred.type,
        response: {
          attestationObject: b64u(cred.response.attestationObject),
          clientDataJSON: b64u(cred.response.clientDataJSON),
          transports: cred.response.getTransports ? cred.response.getTransports() : []
        }
      });
    }).then(function (j) { location.assign(j.next); }, function (e) { say(form, form.dataset.failed || e.message); });
  }

  function signIn(form) {
    var token = form.elements.csrf.value;
    var next = form.dataset.next || "/console/";
    post("/console/passkeys/signin/begin", token).then(function (o) {
      var pk = o.publicKey;
      pk.challenge = unb64u(pk.challenge);
      (pk.allowCredentials || []).forEach(function (c) { c.id = unb64u(c.id); });
      return navigator.credentials.get({ publicKey: pk });
    }).then(function (cred) {
      return post("/console/passkeys/signin/finish?next=" + encodeURIComponent(next), token, {
        id: cred.id, rawId: b64u(cred.rawId), type: cred.type,
        response: {
          authenticatorData: b64u(cred.response.authenticatorData),
          clientDataJSON: b64u(cred.response.clientDataJSON),
          signature: b64u(cred.response.signature),
          userHandle: cred.response.userHandle ? b64u(cred.response.userHandle) : null
        }
      });
    }).then(function (j) { location.assign(j.next); }, function (e) { say(form, form.dataset.failed || e.message); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.PublicKeyCredential) return;
    var r = document.getElementById("passkey-register");
    if (r) r.addEventListener("submit", function (ev) { ev.preventDefault(); register(r); });
    var s = document.getElementById("passkey-signin");
    if (s) s.addEventListener("submit", function (ev) { ev.preventDefault(); signIn(s); });
  });
})();
