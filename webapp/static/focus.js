/* A page drawn again after a refused form opens at its problem summary: the form's action ends
   with the summary's #id, so the browser scrolls there without this file. This moves the focus
   there too (the summary has tabindex="-1"), so the keyboard and screen readers start from it. */
(function () {
  "use strict";
  var id = window.location.hash.slice(1);
  var target = id && document.getElementById(id);
  if (target && target.hasAttribute("tabindex")) {
    target.focus();
  }
})();
