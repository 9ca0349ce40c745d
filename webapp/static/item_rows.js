/* "Tambah baris" on a list field without a round trip: the field's last row (a blank one, drawn by
   the server) is copied, its inputs numbered on from the highest row number and emptied, and the
   focus moves into it. Without this file the button sends the form, and the server draws the
   same form with one blank row more; the server reads the rows by their numbers either way. */
(function () {
  "use strict";
  function renumber(row, field, from, to) {
    var names = field + "." + from + ".", ids = "f-" + field + "-" + from + "-";
    row.querySelectorAll("[name], [id], label[for], [aria-describedby]").forEach(function (el) {
      if (el.name && el.name.indexOf(names) === 0) { el.name = field + "." + to + "." + el.name.slice(names.length); }
      if (el.id && el.id.indexOf(ids) === 0) { el.id = "f-" + field + "-" + to + "-" + el.id.slice(ids.length); }
      var target = el.getAttribute("for");
      if (target && target.indexOf(ids) === 0) { el.setAttribute("for", "f-" + field + "-" + to + "-" + target.slice(ids.length)); }
      var described = el.getAttribute("aria-describedby");
      if (described) {
        el.setAttribute("aria-describedby", described.split(" ").filter(function (d) {
          return d.slice(-6) !== "-error";
        }).map(function (d) {
          return d.indexOf(ids) === 0 ? "f-" + field + "-" + to + "-" + d.slice(ids.length) : d;
        }).join(" "));
      }
    });
  }
  document.querySelectorAll("button[name='add_row']").forEach(function (button) {
    button.addEventListener("click", function (event) {
      var field = button.value, list = document.getElementById("f-" + field);
      if (!list) { return; }
      var rows = list.querySelectorAll("fieldset.item");
      var last = rows[rows.length - 1];
      if (!last || last.querySelector("input[type='hidden'][name$='.id']")) { return; }  // no blank row: let the server draw one
      var numbers = Array.prototype.map.call(list.querySelectorAll("[name^='" + field + ".']"), function (el) {
        return parseInt(el.name.slice(field.length + 1), 10) || 0;
      });
      var from = parseInt(last.querySelector("[name^='" + field + ".']").name.slice(field.length + 1), 10);
      var to = Math.max.apply(null, numbers) + 1;
      var row = last.cloneNode(true);
      row.classList.remove("has-error");
      row.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
      row.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
      row.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
      row.querySelectorAll("input, textarea, select").forEach(function (el) {
        if (el.type === "checkbox") { el.checked = false; } else if (el.tagName === "SELECT") { el.selectedIndex = 0; } else { el.value = ""; }
      });
      renumber(row, field, from, to);
      last.parentNode.insertBefore(row, last.nextSibling);
      event.preventDefault();
      var first = row.querySelector("input:not([type='hidden']), textarea, select");
      if (first) { first.focus(); }
      var max = parseInt(list.getAttribute("data-max-items") || "0", 10);
      if (max && list.querySelectorAll("fieldset.item").length >= max) { button.hidden = true; }
    });
  });
})();
