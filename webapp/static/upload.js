/* Deliverable upload with a progress bar. Progressive enhancement: without this file the form
   posts normally and the page reloads. With it, the file goes up by XMLHttpRequest, the
   <progress> element shows how far, and the new attachment is added to the list in place, so
   whatever the user already typed into the step's form stays where it is. */
(function () {
  "use strict";

  function text(el, value) { if (el) { el.textContent = value; } }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  /* The attachment's row as tasks/show.html draws it: link, size · uploader · time, and "Hapus"
     (a plain form posting the page's CSRF token, so it works like the server-drawn one). */
  function row(body, token) {
    var li = el("li", {}, [
      el("a", { href: body.url, download: "" }, [body.filename]), " ",
      el("span", { "class": "muted" }, [body.size_label + " · ",
        el("span", { "class": "person", title: body.uploaded_by }, [body.uploaded_by_label || body.uploaded_by]), " · ",
        el("time", { datetime: body.uploaded_at }, [body.uploaded_at_label])])
    ]);
    if (body.delete_url && token) {
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("form", { method: "post", action: body.delete_url, "class": "inline" }, [
        el("input", { type: "hidden", name: "csrf_token", value: token }),
        el("button", { type: "submit", "class": "link danger" }, [body.delete_label,
          el("span", { "class": "visually-hidden" }, [" " + body.filename])])
      ]));
    }
    return li;
  }

  function enhance(form) {
    var input = form.querySelector("input[type=file]");
    var bar = form.querySelector("progress");
    var status = form.querySelector(".upload-status");
    var button = form.querySelector("button[type=submit]");
    var list = document.getElementById("own-files");
    var none = document.getElementById("no-own-files");
    var lang = document.documentElement.lang === "en";
    var words = lang
      ? { sending: "Uploading… ", failed: "Upload failed: ", network: "The connection was lost. Try again." }
      : { sending: "Mengunggah… ", failed: "Unggahan gagal: ", network: "Koneksi terputus. Coba lagi." };

    form.addEventListener("submit", function (event) {
      if (!window.FormData || !input || !input.files || !input.files.length) { return; }
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      if (bar) { bar.hidden = false; bar.value = 0; }
      if (button) { button.disabled = true; }
      text(status, words.sending + "0%");
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var pct = Math.round((e.loaded / e.total) * 100);
        if (bar) { bar.value = pct; bar.textContent = pct + "%"; }
        text(status, words.sending + pct + "%");
      });
      xhr.addEventListener("load", function () {
        if (button) { button.disabled = false; }
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (ignore) { body = null; }
        if (xhr.status >= 200 && xhr.status < 300 && body) {
          if (bar) { bar.value = 100; bar.hidden = true; }
          text(status, body.message || "");
          if (list) {
            var token = form.querySelector("input[name=csrf_token]");
            list.appendChild(row(body, token ? token.value : ""));
          }
          if (none) { none.hidden = true; }
          // the deliverable is there now: its "attach it first" error no longer applies
          var missing = document.getElementById("attachments-error");
          if (missing) { missing.parentNode.removeChild(missing); }
          var field = input.closest ? input.closest(".has-error") : null;
          if (field) { field.classList.remove("has-error"); }
          input.setAttribute("aria-describedby", "file-help");
          form.reset();
        } else {
          if (bar) { bar.hidden = true; }
          var message = body && body.error ? body.error.message : ("HTTP " + xhr.status);
          text(status, words.failed + message);
        }
      });
      xhr.addEventListener("error", function () {
        if (button) { button.disabled = false; }
        if (bar) { bar.hidden = true; }
        text(status, words.network);
      });
      xhr.send(new FormData(form));
    });
  }

  var forms = document.querySelectorAll("form[data-upload]");
  for (var i = 0; i < forms.length; i++) { enhance(forms[i]); }
})();
