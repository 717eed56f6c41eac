/* Small enhancements for the staff pages. Every page works without this file. */
(function () {
  "use strict";

  // After a refused submit, move focus to the summary of what needs fixing.
  function focusErrors() {
    var summary = document.querySelector(".error-summary");
    if (summary) {
      summary.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", focusErrors);
  document.addEventListener("htmx:afterSettle", focusErrors);
})();
