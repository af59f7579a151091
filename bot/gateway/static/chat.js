// Local web chat: sends messages to the gateway, renders replies and buttons,
// and listens on a websocket for messages pushed later (e.g. by an officer).
(function () {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("input");
  const send = document.getElementById("send");
  const status = document.getElementById("status");

  function newSenderId() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  let sender = localStorage.getItem("jiaojing-sender");
  if (!sender || !/^web-[A-Za-z0-9_-]{8,64}$/.test(sender)) {
    sender = newSenderId();
    localStorage.setItem("jiaojing-sender", sender);
  }

  function scroll() { log.scrollTop = log.scrollHeight; window.scrollTo(0, document.body.scrollHeight); }

  function addMessage(kind, text, buttons) {
    const item = document.createElement("li");
    item.className = "msg msg--" + kind;
    const bubble = document.createElement("div");
    bubble.className = "msg__bubble";
    bubble.textContent = text;  // never innerHTML: citizen and bot text is shown, not run
    item.appendChild(bubble);
    if (buttons && buttons.length) {
      const row = document.createElement("div");
      row.className = "msg__buttons";
      buttons.forEach((b) => {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        button.addEventListener("click", () => {
          row.querySelectorAll("button").forEach((x) => { x.disabled = true; });
          deliver(b.payload, b.title);
        });
        row.appendChild(button);
      });
      item.appendChild(row);
    }
    log.appendChild(item);
    scroll();
  }

  function showReplies(messages, kind) {
    // pushed messages are an officer's, except the system's own notices (case updates, 回访)
    (messages || []).forEach((m) => addMessage(m.notice ? "bot" : (kind || "bot"), m.text || "", m.buttons || []));
  }

  async function deliver(message, shown) {
    addMessage("me", shown || message, []);
    send.disabled = true;
    status.textContent = "正在回复…";
    try {
      const response = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: sender, message: message }),
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        addMessage("bot", data.error || "系统繁忙，请稍后再试。", []);
      } else {
        showReplies(data.messages);
      }
      status.textContent = "";
    } catch (err) {
      addMessage("bot", "网络好像断开了，请检查网络后再发送一次。", []);
      status.textContent = "";
    } finally {
      send.disabled = false;
      input.focus();
    }
  }

  function connect(delay) {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(scheme + location.host + "/api/chat/ws?sender=" + encodeURIComponent(sender));
    ws.onmessage = (event) => {
      try { showReplies(JSON.parse(event.data).messages, "officer"); } catch (e) { /* ignore */ }
    };
    ws.onclose = () => setTimeout(() => connect(Math.min((delay || 1000) * 2, 30000)), delay || 1000);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) { status.textContent = "请先输入内容。"; return; }
    input.value = "";
    deliver(text);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  connect(1000);
})();
