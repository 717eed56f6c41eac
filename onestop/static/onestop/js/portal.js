// Quick exit: replace this page (and its history entry) with a neutral site, on the button or
// on the Escape key pressed twice. Without JavaScript the button is a plain link.
(function () {
  "use strict";
  var NEUTRAL = "https://search.naver.com/search.naver?query=%EC%98%A4%EB%8A%98+%EB%82%A0%EC%94%A8";
  function leave(event) {
    if (event) { event.preventDefault(); }
    try { window.onestopClearDrafts && window.onestopClearDrafts(); } catch (e) { /* keep going */ }
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

// Forms that must not lose what she typed (data-resilient): sent with fetch, so a dropped
// connection leaves the page — and everything in it — as it was, with a message and the same
// button to send again (the form's token makes a repeat harmless). Without JavaScript the form
// posts as usual and the server shows it again with any errors.
// Forms with data-draft also keep a draft in this tab's sessionStorage (never passwords or
// files) so a reload brings it back; a sent form and the quick exit clear it.
(function () {
  "use strict";
  var PREFIX = "draft:";
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "password" && el.type !== "file" && el.name !== "csrfmiddlewaretoken";
    });
  }
  function saveDraft(form) {
    var key = form.getAttribute("data-draft");
    if (!key) { return; }
    var data = {};
    fields(form).forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) { (data[el.name] = data[el.name] || []).push(el.value); }
      } else { data[el.name] = [el.value]; }
    });
    try { sessionStorage.setItem(PREFIX + key, JSON.stringify(data)); } catch (e) { /* full or off */ }
  }
  function restoreDraft(form) {
    var key = form.getAttribute("data-draft");
    if (!key || form.querySelector(".error-summary")) { return; }  // the server's copy wins
    var raw = null;
    try { raw = sessionStorage.getItem(PREFIX + key); } catch (e) { return; }
    if (!raw) { return; }
    var data = JSON.parse(raw);
    fields(form).forEach(function (el) {
      var values = data[el.name];
      if (!values) { if (el.type === "checkbox" || el.type === "radio") { el.checked = false; } return; }
      if (el.type === "checkbox" || el.type === "radio") { el.checked = values.indexOf(el.value) >= 0; }
      else { el.value = values[0]; }
    });
  }
  function clearDrafts() {
    try {
      for (var i = sessionStorage.length - 1; i >= 0; i--) {
        var k = sessionStorage.key(i);
        if (k && k.indexOf(PREFIX) === 0) { sessionStorage.removeItem(k); }
      }
    } catch (e) { /* nothing to clear */ }
  }
  window.onestopClearDrafts = clearDrafts;
  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-draft")) { saveDraft(form); }
  });
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-draft")) { saveDraft(form); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-draft]"), restoreDraft);
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-resilient") || !window.fetch || !window.FormData) { return; }
    event.preventDefault();
    var status = form.querySelector("[data-resilient-status]");
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    if (status) { status.textContent = status.getAttribute("data-sending") || "…"; }
    fetch(form.action || window.location.href, {
      method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "follow",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      // The answer is shown in place (a page that answers once, like the new case code, must
      // not be fetched twice); when it came through a redirect the address bar follows it.
      return response.text().then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var main = page.querySelector("main");
        if (!main) { throw new Error("no page"); }
        if (response.redirected) {
          if (form.hasAttribute("data-draft")) { clearDrafts(); }
          window.history.replaceState(null, "", response.url);
        }
        document.querySelector("main").innerHTML = main.innerHTML;
        var summary = document.querySelector(".error-summary");
        if (summary) { summary.focus(); } else { window.scrollTo(0, 0); }
      });
    }).catch(function () {
      if (button) { button.disabled = false; }
      if (status) {
        status.textContent = status.getAttribute("data-offline") ||
          "Connection lost. What you typed is still here: send again when you are back online.";
      }
    });
  });
})();
