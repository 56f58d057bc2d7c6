// Passkeys: ask the browser to create or use a WebAuthn credential with options from the server, then
// send the result back. Buttons carry data-options-url and data-verify-url.
(function () {
  "use strict";

  function toBytes(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    var padded = base64 + "===".slice((base64.length + 3) % 4);
    return Uint8Array.from(atob(padded), function (c) { return c.charCodeAt(0); });
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.error || "Something went wrong. Try again."); }
        return data;
      });
    });
  }

  function credentialJson(credential) {
    var response = credential.response;
    var out = {id: credential.id, rawId: toText(credential.rawId), type: credential.type,
               clientExtensionResults: credential.getClientExtensionResults(), response: {
                 clientDataJSON: toText(response.clientDataJSON)}};
    if (response.attestationObject) {
      out.response.attestationObject = toText(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      out.response.authenticatorData = toText(response.authenticatorData);
      out.response.signature = toText(response.signature);
      if (response.userHandle) { out.response.userHandle = toText(response.userHandle); }
    }
    return out;
  }

  function showError(error) {
    var box = document.getElementById("passkey-error");
    if (box) { box.textContent = error.message || String(error); box.classList.add("govuk-error-message"); }
  }

  function register(button) {
    post(button.dataset.optionsUrl).then(function (options) {
      options.challenge = toBytes(options.challenge);
      options.user.id = toBytes(options.user.id);
      (options.excludeCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
      return navigator.credentials.create({publicKey: options});
    }).then(function (credential) {
      var name = document.getElementById("id_name");
      return post(button.dataset.verifyUrl, {credential: credentialJson(credential), name: name ? name.value : ""});
    }).then(function (data) { window.location.assign(data.redirect); }).catch(showError);
  }

  function authenticate(button) {
    post(button.dataset.optionsUrl).then(function (options) {
      options.challenge = toBytes(options.challenge);
      (options.allowCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
      return navigator.credentials.get({publicKey: options});
    }).then(function (credential) {
      return post(button.dataset.verifyUrl, {credential: credentialJson(credential), next: button.dataset.next});
    }).then(function (data) { window.location.assign(data.redirect); }).catch(showError);
  }

  document.querySelectorAll("[data-passkey-register]").forEach(function (button) {
    button.addEventListener("click", function () { register(button); });
  });
  document.querySelectorAll("[data-passkey-authenticate]").forEach(function (button) {
    button.addEventListener("click", function () { authenticate(button); });
  });
})();
