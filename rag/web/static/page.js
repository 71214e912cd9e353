() => {
  // Runs once when the page loads; __CONFIG__ is replaced by the page settings (rag/web/page.py).
  document.documentElement.lang = "zh-CN";
  const cfg = __CONFIG__;
  if (!cfg.kiosk) return;
  const overlay = document.createElement("div");
  overlay.id = "ms-idle";
  overlay.hidden = true;
  overlay.setAttribute("role", "alertdialog");
  overlay.setAttribute("aria-modal", "true");
  overlay.setAttribute("aria-labelledby", "ms-idle-title");
  overlay.setAttribute("aria-describedby", "ms-idle-text");
  overlay.innerHTML = '<div class="ms-idle-box"><h2 id="ms-idle-title">您还在使用吗？</h2>' +
    '<p id="ms-idle-text" aria-live="polite"><span id="ms-idle-count"></span> 秒后将清空本次对话，保护您的隐私。</p>' +
    '<button type="button" id="ms-idle-continue">继续使用</button></div>';
  document.body.appendChild(overlay);
  const count = overlay.querySelector("#ms-idle-count");
  let last = Date.now(), dirty = false, warnedAt = null;
  const hide = () => { overlay.hidden = true; warnedAt = null; };
  const touched = () => { last = Date.now(); dirty = true; if (warnedAt !== null) hide(); };
  for (const type of ["pointerdown", "touchstart", "keydown", "wheel", "input"]) {
    document.addEventListener(type, touched, { capture: true, passive: true });
  }
  document.addEventListener("click", (event) => {
    if (event.isTrusted && event.target.closest("#ms-restart")) { dirty = false; hide(); }
  }, true);
  setInterval(() => {
    if (!dirty) return;
    const now = Date.now();
    if (warnedAt === null && now - last >= cfg.idle * 1000) {
      warnedAt = now;
      overlay.hidden = false;
      overlay.querySelector("#ms-idle-continue").focus();
    }
    if (warnedAt === null) return;
    const left = Math.max(0, Math.ceil(cfg.warning - (now - warnedAt) / 1000));
    count.textContent = String(left);
    if (left === 0) {
      hide();
      dirty = false;
      const restart = document.getElementById("ms-restart");
      if (restart) restart.click();
      window.scrollTo(0, 0);
    }
  }, 250);
}
