/* Deliverable upload with a progress bar. Progressive enhancement: without this file the form
   posts normally and the page reloads. With it, the file goes up by XMLHttpRequest, the
   <progress> element shows how far, and the new attachment is added to the list in place, so
   whatever the user already typed into the step's form stays where it is. */
(function () {
  "use strict";

  function text(el, value) { if (el) { el.textContent = value; } }

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
          if (bar) { bar.value = 100; }
          text(status, body.message || "");
          if (list) {
            var li = document.createElement("li");
            var a = document.createElement("a");
            a.href = body.url;
            a.setAttribute("download", "");
            a.textContent = body.filename;
            li.appendChild(a);
            list.appendChild(li);
          }
          if (none) { none.hidden = true; }
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
