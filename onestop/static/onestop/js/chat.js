/* Live chat between a victim (portal) and her team (case page). Both pages work without this:
   the form posts and a reload shows new messages. With it, the form goes over the socket named by
   the panel's data-chat-url and messages from either side appear as they are sent. Text shown
   comes from the server (data-text-* attributes and the message); nothing is built as HTML. */
(function () {
  "use strict";
  if (window.OneStopChat) {
    window.OneStopChat.init();
    return;
  }
  var chats = [];

  function field(item, name) {
    return item.querySelector('[data-field="' + name + '"]');
  }

  function start(panel) {
    var url = panel.getAttribute("data-chat-url");
    if (!url || !window.WebSocket || panel.hasAttribute("data-chat-live")) {
      return;
    }
    panel.setAttribute("data-chat-live", "");
    var text = panel.dataset;
    var list = panel.querySelector("[data-chat-transcript]");
    var empty = panel.querySelector("[data-chat-empty]");
    var template = panel.querySelector("template[data-chat-template]");
    var form = panel.querySelector("[data-chat-form]");
    var input = form.querySelector("textarea");
    var button = form.querySelector("button[type=submit]");
    var error = form.querySelector("[data-chat-error]");
    var state = form.querySelector("[data-chat-state]");
    var chat = { panel: panel, socket: null, open: false, delay: 1000 };
    chats.push(chat);

    function say(message) {
      if (state) {
        state.textContent = message || "";
      }
    }

    function bottom() {
      list.scrollTop = list.scrollHeight;
    }

    function add(message) {
      if (list.querySelector('[data-message-id="' + message.id + '"]')) {
        return;
      }
      var item = template.content.firstElementChild.cloneNode(true);
      item.setAttribute("data-message-id", message.id);
      item.className = "chat-message chat-" + message.side + " chat-new";
      field(item, "sender").textContent =
        message.side === "victim" ? text.textVictim : message.sender + (text.textStaffSuffix || "");
      var time = field(item, "sent_at");
      time.dateTime = message.sent_at;
      time.textContent = message.sent_label;
      field(item, "body").textContent = message.body;
      list.appendChild(item);
      if (empty) {
        empty.hidden = true;
      }
      bottom();
    }

    function showErrors(errors) {
      error.textContent = errors.join(" ");
      error.hidden = !errors.length;
    }

    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var socket = new WebSocket(scheme + window.location.host + url);
      chat.socket = socket;
      socket.addEventListener("open", function () {
        chat.open = true;
        chat.delay = 1000;
        panel.setAttribute("data-chat-open", "");
        say(text.textConnected);
      });
      socket.addEventListener("message", function (event) {
        var data = JSON.parse(event.data);
        if (data.type === "chat.message") {
          add(data.message);
        } else if (data.type === "chat.sent") {
          input.value = "";
          showErrors([]);
          button.disabled = false;
          input.focus();
        } else if (data.type === "chat.refused") {
          showErrors(data.errors || []);
          button.disabled = false;
        }
      });
      socket.addEventListener("close", function (event) {
        chat.open = false;
        panel.removeAttribute("data-chat-open");
        button.disabled = false;
        say(text.textOffline);
        // refused (signed out, idle, no longer on the team) or the page moved on: stay with the
        // plain form, which tells the user what to do
        if (event.code === 4403 || !document.body.contains(panel)) {
          return;
        }
        window.setTimeout(connect, chat.delay);
        chat.delay = Math.min(chat.delay * 2, 30000);
      });
    }

    form.addEventListener(
      "submit",
      function (event) {
        if (!chat.open || chat.socket.readyState !== 1) {
          return; // the plain POST
        }
        event.preventDefault();
        event.stopImmediatePropagation(); // htmx would post it too
        button.disabled = true;
        chat.socket.send(JSON.stringify({ body: input.value }));
      },
      true
    );
    bottom();
    connect();
  }

  function init() {
    chats = chats.filter(function (chat) {
      if (document.body.contains(chat.panel)) {
        return true;
      }
      if (chat.socket) {
        chat.socket.close(1000);
      }
      return false;
    });
    document.querySelectorAll("[data-chat]").forEach(start);
  }

  window.OneStopChat = { init: init };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  document.addEventListener("htmx:afterSettle", init);
})();
