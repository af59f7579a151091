// Officer console: a websocket tells the page what changed; the page re-fetches the
// server-rendered (escaped) fragment. No HTML is built from event data.
(function () {
  "use strict";
  const live = document.getElementById("live");
  if (!live) { return; }  // login page

  function bind(root) {
    root.querySelectorAll("form[data-confirm]").forEach((form) => {
      if (form.dataset.bound) { return; }
      form.dataset.bound = "1";
      form.addEventListener("submit", (event) => {
        if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
      });
    });
  }

  function refresh(el) {
    if (!el || !el.dataset.fragment) { return Promise.resolve(); }
    return fetch(el.dataset.fragment, { headers: { "X-Fragment": "1" }, credentials: "same-origin" })
      .then((response) => {
        if (response.status === 401) { window.location.reload(); return null; }
        return response.ok ? response.text() : null;
      })
      .then((html) => {
        if (html === null) { return; }
        const scroller = el.querySelector(".transcript");
        const atBottom = !scroller || scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
        el.innerHTML = html;
        bind(el);
        const fresh = el.querySelector(".transcript");
        if (fresh && atBottom) { fresh.scrollTop = fresh.scrollHeight; }
      })
      .catch(() => { /* offline: the next event or reconnect refreshes */ });
  }

  function alertOfficers() {
    const banner = document.getElementById("alert-banner");
    if (banner) { banner.hidden = false; }
    if (!document.title.startsWith("【紧急】")) { document.title = "【紧急】" + document.title; }
  }

  function onEvent(event) {
    const queue = document.getElementById("queue");
    if (queue) { refresh(queue); }
    if (event.type === "alert") { alertOfficers(); }
    const id = String(event.handoff);
    const transcript = document.getElementById("transcript");
    if (transcript && transcript.dataset.handoff === id && (event.type === "message" || event.type === "state")) {
      refresh(transcript);
    }
    const state = document.getElementById("state");
    if (state && state.dataset.handoff === id && event.type === "state") { refresh(state); }
  }

  function connect(delay) {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(scheme + window.location.host + "/console/ws");
    ws.onopen = () => {
      live.classList.add("on");
      delay = 1000;
      refresh(document.getElementById("queue"));
    };
    ws.onmessage = (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      onEvent(event);
    };
    ws.onclose = () => {
      live.classList.remove("on");
      setTimeout(() => connect(Math.min(delay * 2, 30000)), delay);
    };
  }

  document.querySelectorAll("[data-canned]").forEach((button) => {
    button.addEventListener("click", () => {
      const box = document.getElementById("reply-text");
      if (box) { box.value = button.dataset.canned; box.focus(); }
    });
  });
  const transcript = document.querySelector(".transcript");
  if (transcript) { transcript.scrollTop = transcript.scrollHeight; }
  bind(document);
  // Wait times grow: refresh the queue now and then even without events.
  setInterval(() => refresh(document.getElementById("queue")), 30000);
  connect(1000);
})();
