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

  // Live police-referral alerts on the dashboard of on-duty staff. The list is rendered by the
  // server (and works without this); the socket adds new referrals as they arrive and, on every
  // (re)connection, replaces the list with the referrals nobody has taken yet. Alerts never name
  // the victim. Text comes from the panel's data-text-* attributes (translated by the server).
  function initReferralAlerts() {
    var panel = document.getElementById("referral-alerts");
    if (!panel || !panel.dataset.alertsUrl || !window.WebSocket) {
      return;
    }
    var list = panel.querySelector("[data-referral-list]");
    var template = panel.querySelector("template[data-referral-template]");
    var empty = panel.querySelector("[data-referral-empty]");
    var count = panel.querySelector("[data-referral-count]");
    var state = panel.querySelector("[data-live-state]");
    var announce = panel.querySelector("[data-referral-announce]");
    var text = panel.dataset;
    var delay = 1000;

    function refresh() {
      var items = list.querySelectorAll("[data-referral-id]").length;
      count.textContent = String(items);
      empty.hidden = items > 0;
    }

    function field(item, name) {
      return item.querySelector('[data-field="' + name + '"]');
    }

    function build(referral) {
      var item = template.content.firstElementChild.cloneNode(true);
      item.dataset.referralId = referral.id;
      item.className = "referral-item risk-" + referral.risk_grade;
      field(item, "risk_label").textContent = text.textRisk + " " + referral.risk_label;
      field(item, "attached").textContent = referral.attached ? text.textAttached : "";
      field(item, "station").textContent = referral.station;
      var time = field(item, "received_at");
      time.dateTime = referral.received_at;
      time.textContent = referral.received_label;
      field(item, "protection").textContent = referral.protection_recommended
        ? text.textProtection
        : "";
      field(item, "take_url").action = referral.take_url;
      return item;
    }

    function add(referral, isNew) {
      if (list.querySelector('[data-referral-id="' + referral.id + '"]')) {
        return;
      }
      var item = build(referral);
      if (isNew) {
        item.classList.add("referral-new");
        announce.textContent = text.textAnnounce + " " + referral.risk_label;
      }
      list.insertBefore(item, list.firstChild);
    }

    function replaceAll(referrals) {
      list.querySelectorAll("[data-referral-id]").forEach(function (item) {
        item.remove();
      });
      referrals
        .slice()
        .reverse()
        .forEach(function (referral) {
          add(referral, false);
        });
    }

    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var socket = new WebSocket(scheme + window.location.host + panel.dataset.alertsUrl);
      socket.addEventListener("open", function () {
        delay = 1000;
        panel.dataset.live = "connected";
        state.textContent = text.textConnected;
      });
      socket.addEventListener("message", function (event) {
        var message = JSON.parse(event.data);
        if (message.type === "referral.pending") {
          replaceAll(message.referrals);
        } else if (message.type === "referral.alert") {
          add(message.referral, true);
        }
        refresh();
      });
      socket.addEventListener("close", function (event) {
        panel.dataset.live = "closed";
        if (event.code === 4403) {
          state.textContent = text.textRefused;
          return;
        }
        state.textContent = text.textDisconnected;
        window.setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30000);
      });
    }

    connect();
  }

  document.addEventListener("DOMContentLoaded", focusErrors);
  document.addEventListener("DOMContentLoaded", initReferralAlerts);
  document.addEventListener("htmx:afterSettle", focusErrors);
})();
