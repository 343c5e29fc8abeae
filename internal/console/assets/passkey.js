// The console's one script: the passkey ceremonies (WebAuthn), which need
// the browser's navigator.credentials, and the upload form's file name.
// Every page works without it but the two passkey buttons; without it an
// upload is named after its key.
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

  // A browser sends a file's name only in the file's own part, which S3
  // does not keep: copy it into the hidden field the POST policy allows,
  // which S3 keeps as the object's metadata. S3 metadata is US-ASCII, so
  // the name goes percent-encoded (the server decodes and checks it). A
  // name the server would refuse anyway (over 255 characters), or one
  // whose encoding would exceed S3's 2 KB of metadata, is left out.
  function nameUploads() {
    var inputs = document.querySelectorAll("input[type=file][data-name-field]");
    Array.prototype.forEach.call(inputs, function (input) {
      var field = input.form && input.form.elements[input.dataset.nameField];
      if (!field) return;
      function fill() {
        var f = input.files && input.files[0], v = "";
        try {
          if (f && Array.from(f.name).length <= 255) v = encodeURIComponent(f.name);
        } catch (e) { v = ""; } // a lone surrogate: no name
        field.value = v.length <= 2000 ? v : "";
      }
      // On change, and again on submit: a browser that restores the
      // chosen file on going back sends no change.
      input.addEventListener("change", fill);
      input.form.addEventListener("submit", fill);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    nameUploads();
    if (!window.PublicKeyCredential) return;
    var r = document.getElementById("passkey-register");
    if (r) r.addEventListener("submit", function (ev) { ev.preventDefault(); register(r); });
    var s = document.getElementById("passkey-signin");
    if (s) s.addEventListener("submit", function (ev) { ev.preventDefault(); signIn(s); });
  });
})();
