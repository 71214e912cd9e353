() => {
  // Runs once when the page loads; __CONFIG__ is replaced by the page settings (rag/web/page.py).
  document.documentElement.lang = "zh-CN";
  const cfg = __CONFIG__;
  const chat = () => document.getElementById("ms-chat");

  // Chinese names for Gradio's built-in controls, whose labels are English and, for messages,
  // raw markup ("bot's message: <div class=...>"). Re-applied whenever the chat changes.
  const LABELS = { "Copy message": "复制这条消息", "Copied message": "已复制", "Clear": "清空对话", "Scroll down": "滚动到最新消息" };
  const relabel = () => {
    const root = chat();
    if (!root) return;
    const log = root.querySelector('[role="log"]');
    if (log) log.setAttribute("aria-label", "对话记录");
    for (const el of root.querySelectorAll("[aria-label]")) {
      const label = el.getAttribute("aria-label");
      if (LABELS[label]) el.setAttribute("aria-label", LABELS[label]);
      else if (label.startsWith("user's message")) el.setAttribute("aria-label", "您的问题");
      else if (label.startsWith("bot's message")) el.setAttribute("aria-label", "回答");
    }
    for (const el of root.querySelectorAll("button[title]")) {
      if (LABELS[el.title]) el.title = LABELS[el.title];
    }
    // [n] in an answer opens its source card: a button for the keyboard and screen readers too.
    for (const ref of root.querySelectorAll(".ms-answer-text .ms-ref:not([role])")) {
      ref.setAttribute("role", "button");
      ref.setAttribute("tabindex", "0");
      ref.setAttribute("aria-label", `打开来源 ${ref.textContent.replace(/[^0-9]/g, "")}`);
    }
  };
  const openSource = (ref) => {
    const answer = ref.closest(".ms-answer");
    const card = [...answer.querySelectorAll("details.ms-source")].find(
      (d) => d.querySelector("summary .ms-ref")?.textContent === ref.textContent
    );
    if (!card) return;
    card.open = true;
    card.scrollIntoView({ block: "nearest" });
    card.querySelector("summary").focus({ preventScroll: true });
  };
  document.addEventListener("click", (event) => {
    const ref = event.target.closest && event.target.closest(".ms-answer-text .ms-ref");
    if (ref) openSource(ref);
  });
  document.addEventListener("keydown", (event) => {
    const ref = event.target.closest && event.target.closest(".ms-answer-text .ms-ref");
    if (ref && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); openSource(ref); }
  });

  // Every new answer, however it was asked, scrolls so its first line is visible: first inside
  // the chat box, then the page, just enough to show the chat box.
  let answers = 0;
  const showNewAnswer = () => {
    const root = chat();
    if (!root) return;
    const all = root.querySelectorAll(".ms-answer");
    if (all.length === answers) return;
    const grew = all.length > answers;
    answers = all.length;
    if (!grew) { player.pause(); return; }  // 重新开始 or the idle reset: the next resident hears nothing
    const answer = all[all.length - 1];
    const scroller = root.querySelector(".bubble-wrap");
    if (scroller) {
      const top = answer.getBoundingClientRect().top - scroller.getBoundingClientRect().top + scroller.scrollTop;
      scroller.scrollTop = Math.max(0, top - 8);
    }
    const box = (scroller || answer).getBoundingClientRect();
    const first = answer.getBoundingClientRect().top;
    if (first < 0) window.scrollBy({ top: first - 8 });
    else if (first + 48 > window.innerHeight) {
      window.scrollBy({ top: Math.min(first - 8, box.bottom - window.innerHeight + 8) });
    }
  };

  // 朗读: the answer's number goes to a hidden box; a hidden button asks the server for its audio,
  // which arrives as the hidden audio component's download link and is played here. A second
  // tap on the same 朗读 stops it. Without an engine there are no 朗读 buttons and no audio.
  const player = new Audio();
  player.addEventListener("ended", () => {
    for (const b of document.querySelectorAll(".ms-speak[aria-pressed]")) b.removeAttribute("aria-pressed");
  });
  let playing = "";
  const playNewAudio = () => {
    const link = document.querySelector("#ms-audio a.download-link");
    const href = link ? link.href : "";
    if (href === playing) return;
    playing = href;
    if (!href) return;
    player.src = href;
    player.play().catch(() => { /* no sound device, or autoplay refused: the page goes on */ });
  };
  const watchAudio = () => {
    const audio = document.getElementById("ms-audio");
    if (!audio) return setTimeout(watchAudio, 300);
    new MutationObserver(playNewAudio).observe(audio, { childList: true, subtree: true, attributes: true });
  };
  watchAudio();
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest(".ms-speak");
    if (!button) return;
    if (button.getAttribute("aria-pressed") === "true" && !player.paused) {
      player.pause();
      button.removeAttribute("aria-pressed");
      return;
    }
    const all = [...document.querySelectorAll("#ms-chat .ms-answer")];
    const index = all.indexOf(button.closest(".ms-answer"));
    const input = document.querySelector("#ms-speak-index input");
    const go = document.getElementById("ms-speak-go");
    if (index < 0 || !input || !go) return;
    for (const other of document.querySelectorAll(".ms-speak[aria-pressed]")) other.removeAttribute("aria-pressed");
    button.setAttribute("aria-pressed", "true");
    input.value = String(index);
    input.dispatchEvent(new Event("input", { bubbles: true }));
    setTimeout(() => go.click(), 50);
  });

  // The 大字 switch (web): three steps, kept for this browser session only.
  const setSize = (step) => {
    document.documentElement.classList.remove("ms-text-1", "ms-text-2");
    if (step > 0) document.documentElement.classList.add(`ms-text-${step}`);
    for (const b of document.querySelectorAll(".ms-size-button")) {
      b.setAttribute("aria-pressed", String(Number(b.dataset.size) === step));
    }
    try { sessionStorage.setItem("ms-text-size", String(step)); } catch (e) { /* private mode */ }
  };
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest(".ms-size-button");
    if (button) setSize(Number(button.dataset.size));
  });
  let saved = 0;
  try { saved = Number(sessionStorage.getItem("ms-text-size") || 0); } catch (e) { /* private mode */ }

  const watch = () => {
    const root = chat();
    if (!root) return setTimeout(watch, 200);
    relabel();
    if (!cfg.kiosk && saved) setSize(saved);
    new MutationObserver(() => { relabel(); showNewAnswer(); }).observe(root, { childList: true, subtree: true });
    // Wide screens with a mouse get the cursor in the box; a phone opens at the top, keyboard closed.
    const box = document.querySelector("#ms-question textarea");
    if (!cfg.kiosk && box && window.matchMedia("(min-width: 701px) and (hover: hover)").matches) {
      box.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  };
  watch();

  if (cfg.kiosk) kioskIdle();

  // In kiosk mode: after `idle` seconds without a touch or key, a warning with a countdown and a
  // 继续使用 button (any touch also continues); when the countdown ends it presses 重新开始,
  // which clears the server session too.
  function kioskIdle() {
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
}
