// Admin pages: poll the training job status box; confirm dangerous forms; select-all.
// No HTML is built from server data: only textContent and element properties are set.
(function () {
  "use strict";

  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); return; }
      form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; b.textContent = "正在处理…"; });
    });
  });

  const all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", () => {
      document.querySelectorAll("input[name=keys]").forEach((box) => { box.checked = all.checked; });
    });
  }

  const box = document.getElementById("job-status");
  if (!box || box.dataset.active !== "1") { return; }
  const text = (id, value) => { const el = document.getElementById(id); if (el) { el.textContent = value; } };
  function duration(seconds) {
    const m = Math.floor(seconds / 60), s = seconds % 60;
    return m ? `${m}分${String(s).padStart(2, "0")}秒` : `${s}秒`;
  }
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json", "X-Fragment": "1" } })
      .then((response) => (response.ok ? response.json() : null))
      .then((job) => {
        if (!job || job.id === null) { return; }
        text("job-state", job.status_label);
        text("job-step", job.step_label);
        text("job-detail", job.detail);
        text("job-seconds", duration(job.seconds));
        const bar = document.getElementById("job-progress");
        if (bar) { bar.value = job.progress; }
        const log = document.getElementById("job-log");
        if (log) { log.textContent = job.log; log.scrollTop = log.scrollHeight; }
        const error = document.getElementById("job-error");
        if (error) { error.textContent = job.error; error.hidden = !job.error; }
        const retrain = document.getElementById("retrain");
        if (retrain) { retrain.disabled = job.active; }
        if (!job.active) { window.location.reload(); return; }
        window.setTimeout(poll, 2000);
      })
      .catch(() => window.setTimeout(poll, 5000));
  }
  window.setTimeout(poll, 1000);
}());
