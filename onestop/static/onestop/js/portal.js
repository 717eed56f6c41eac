// Quick exit: replace this page (and its history entry) with a neutral site, on the button or
// on the Escape key pressed twice. Without JavaScript the button is a plain link.
(function () {
  "use strict";
  var NEUTRAL = "https://search.naver.com/search.naver?query=%EC%98%A4%EB%8A%98+%EB%82%A0%EC%94%A8";
  function leave(event) {
    if (event) { event.preventDefault(); }
    try { document.body.innerHTML = ""; document.title = ""; } catch (e) { /* keep going */ }
    window.location.replace(NEUTRAL);
  }
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-quick-exit]") : null;
    if (target) { leave(event); }
  });
  var last = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var now = Date.now();
    if (now - last < 800) { leave(event); }
    last = now;
  });
})();
