// Passkeys (WebAuthn) for Homeward: registration in /settings/mfa, assertion at sign-in and
// step-up. A button with data-webauthn="register" or "login" posts JSON to its data-begin URL,
// passes the options to navigator.credentials, posts the answer to data-finish and follows the
// {"redirect": PATH} answer. No build step: plain ES2017.
(function () {
  'use strict';

  function toBuffer(s) {
    s = s.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) { s += '='; }
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }

  function toBase64URL(buf) {
    var bytes = new Uint8Array(buf);
    var bin = '';
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function csrfToken() {
    var input = document.querySelector('input[name="_csrf"]');
    return input ? input.value : '';
  }

  async function postJSON(url, body) {
    var res = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRF-Token': csrfToken() },
      body: JSON.stringify(body === undefined ? {} : body)
    });
    var data = {};
    try { data = await res.json(); } catch (e) { data = {}; }
    if (!res.ok) {
      throw new Error((data.error && data.error.message) || String(res.status));
    }
    return data;
  }

  function descriptors(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: toBuffer(c.id) }); });
  }

  async function register(btn) {
    var pk = (await postJSON(btn.dataset.begin)).publicKey;
    pk.challenge = toBuffer(pk.challenge);
    pk.user.id = toBuffer(pk.user.id);
    pk.excludeCredentials = descriptors(pk.excludeCredentials);
    var cred = await navigator.credentials.create({ publicKey: pk });
    var nameInput = btn.dataset.nameInput ? document.getElementById(btn.dataset.nameInput) : null;
    var name = nameInput ? nameInput.value : '';
    return postJSON(btn.dataset.finish + '?name=' + encodeURIComponent(name), {
      id: cred.id,
      rawId: toBase64URL(cred.rawId),
      type: cred.type,
      response: {
        attestationObject: toBase64URL(cred.response.attestationObject),
        clientDataJSON: toBase64URL(cred.response.clientDataJSON),
        transports: cred.response.getTransports ? cred.response.getTransports() : []
      },
      clientExtensionResults: cred.getClientExtensionResults()
    });
  }

  async function login(btn) {
    var pk = (await postJSON(btn.dataset.begin)).publicKey;
    pk.challenge = toBuffer(pk.challenge);
    pk.allowCredentials = descriptors(pk.allowCredentials);
    var cred = await navigator.credentials.get({ publicKey: pk });
    var response = {
      authenticatorData: toBase64URL(cred.response.authenticatorData),
      clientDataJSON: toBase64URL(cred.response.clientDataJSON),
      signature: toBase64URL(cred.response.signature)
    };
    if (cred.response.userHandle) { response.userHandle = toBase64URL(cred.response.userHandle); }
    return postJSON(btn.dataset.finish, {
      id: cred.id,
      rawId: toBase64URL(cred.rawId),
      type: cred.type,
      response: response,
      clientExtensionResults: cred.getClientExtensionResults()
    });
  }

  document.addEventListener('click', async function (ev) {
    var btn = ev.target.closest('[data-webauthn]');
    if (!btn) { return; }
    ev.preventDefault();
    var status = btn.dataset.status ? document.getElementById(btn.dataset.status) : null;
    if (status) { status.hidden = true; }
    btn.disabled = true;
    try {
      var done = btn.dataset.webauthn === 'register' ? await register(btn) : await login(btn);
      window.location.assign(done.redirect || '/');
    } catch (e) {
      if (status) {
        status.textContent = btn.dataset.failed + (e && e.message ? ' (' + e.message + ')' : '');
        status.hidden = false;
      }
      btn.disabled = false;
    }
  });
})();
