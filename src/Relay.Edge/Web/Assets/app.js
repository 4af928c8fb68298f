// Relay's chat page. It reads every stream with fetch and the body's reader (EventSource cannot POST, and its own
// reconnection ignores our backoff), resumes with Last-Event-ID after the same backoff as Relay.Client, and keeps the
// running stream's id in sessionStorage so that a reload reattaches to the same answer.
"use strict";

const $ = id => document.getElementById(id);
const store = { conversation: "relay.conversation", token: "relay.token", model: "relay.model", current: "relay.current" };
const policy = { baseMs: 250, maxMs: 10000, attempts: 8, startRetries: 2, idleMs: 45000 };
// Sanitizing options: no forms or controls, and no id or name that could shadow the page's own elements.
const purify = { SANITIZE_NAMED_PROPS: true, FORBID_TAGS: ["form", "button", "input", "textarea", "select", "style"], FORBID_ATTR: ["id", "name", "style"] };
let config = { default_model: "", tokens_required: false, hints: {} };
let running = null; // { id, abort, stopped }

function token() { return localStorage.getItem(store.token) || ""; }
function headers(extra) {
  const h = Object.assign({}, extra);
  if (token()) h.Authorization = "Bearer " + token();
  return h;
}
function conversation() { return JSON.parse(localStorage.getItem(store.conversation) || "[]"); }
function saveConversation(messages) { localStorage.setItem(store.conversation, JSON.stringify(messages)); }
function newStreamId() {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  const bytes = crypto.getRandomValues(new Uint8Array(21));
  return Array.from(bytes, b => alphabet[b & 63]).join("");
}
function status(text) { $("status").textContent = text || ""; }

// ---- rendering -------------------------------------------------------------------------------------------------

// The view follows the answer to the page's end (where the composer sits below the last line, covering nothing) while
// the reader is there; scrolling up leaves them where they are until they scroll back down or send again.
let following = true;
addEventListener("scroll", () => {
  following = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 8;
}, { passive: true });
function follow() { if (following) window.scrollTo(0, document.documentElement.scrollHeight); }

function addTurn(prompt) {
  const turn = document.createElement("section");
  turn.className = "turn";
  const user = document.createElement("div");
  user.className = "user";
  user.textContent = prompt;
  const reasoning = document.createElement("details");
  reasoning.className = "reasoning";
  reasoning.hidden = true;
  reasoning.innerHTML = "<summary>Reasoning</summary><pre></pre>";
  const answer = document.createElement("div");
  answer.className = "answer";
  answer.dataset.text = "";
  const foot = document.createElement("div");
  foot.className = "usage";
  turn.append(user, reasoning, answer, foot);
  $("log").append(turn);
  return new AnswerView(turn, reasoning, answer, foot);
}

class AnswerView {
  constructor(turn, reasoning, answer, foot) {
    Object.assign(this, { turn, reasoning, answer, foot, text: "", thinking: "", frame: 0 });
  }
  append(text) { this.text += text; this.schedule(); }
  think(text) { this.thinking += text; this.reasoning.hidden = false; this.reasoning.querySelector("pre").textContent = this.thinking; }
  clear() { this.text = ""; this.thinking = ""; this.reasoning.hidden = true; this.schedule(); }
  // Markdown at most once per animation frame, sanitized: no HTML or script from a model ever runs.
  schedule() { if (!this.frame) this.frame = requestAnimationFrame(() => this.render()); }
  render() {
    this.frame = 0;
    this.answer.innerHTML = DOMPurify.sanitize(marked.parse(this.text), purify);
    this.answer.dataset.text = this.text;
    follow();
  }
  flush() { if (this.frame) { cancelAnimationFrame(this.frame); } this.render(); }
  note(text, cls) { this.foot.className = cls || "usage"; this.foot.textContent = text; follow(); }
  error(error) {
    const hint = config.hints[error.code];
    this.note(`error ${error.code}: ${error.message}` + (hint ? ` (${hint})` : ""), "error");
  }
}

function usageLine(model, usage, firstMs, elapsedMs, outTokens) {
  const parts = [model || "?"];
  if (usage) {
    const about = usage.estimated ? "~" : "";
    parts.push(`${about}${usage.prompt_tokens} in / ${about}${usage.completion_tokens} out tokens`);
    if (usage.cost_usd != null) parts.push("$" + Number(usage.cost_usd).toFixed(5));
  } else {
    parts.push(`~${outTokens} out tokens`);
  }
  if (firstMs != null) parts.push(`first token ${Math.round(firstMs)} ms`);
  const tokens = usage ? usage.completion_tokens : outTokens;
  if (firstMs != null && elapsedMs > firstMs) parts.push(`${Math.round(tokens * 1000 / (elapsedMs - firstMs))} tok/s`);
  return parts.join(" · ");
}

// ---- the wire --------------------------------------------------------------------------------------------------

// Yields {event, data, id, retry} for each event of an SSE body; comments (": ping") are skipped but still count as
// life: onChunk runs on every chunk read.
async function* sseEvents(response, signal, onChunk) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "", event = "", data = [], id = null, retry = null;
  const abort = () => reader.cancel().catch(() => {});
  signal.addEventListener("abort", abort);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      onChunk();
      buffer += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        if (buffer[newline] === "\r" && newline === buffer.length - 1) break; // a CR whose LF may follow
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
        if (line === "") {
          if (data.length) yield { event: event || "message", data: data.join("\n"), id, retry };
          event = ""; data = []; retry = null;
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value2 = colon < 0 ? "" : line.slice(colon + 1);
        if (value2.startsWith(" ")) value2 = value2.slice(1);
        if (field === "event") event = value2;
        else if (field === "data") data.push(value2);
        else if (field === "id") id = value2;
        else if (field === "retry" && /^\d+$/.test(value2)) retry = Number(value2);
      }
    }
  } finally {
    signal.removeEventListener("abort", abort);
    abort(); // an early return leaves nothing open
  }
}

function delay(attempt, serverRetryMs, retryAfterMs) {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
  return Math.max(serverRetryMs || 0, retryAfterMs || 0, step);
}

function sleep(ms, signal) {
  return new Promise(resolve => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

async function errorOf(response) {
  try {
    const body = await response.json();
    if (body && body.error) return body.error;
  } catch { /* not our error shape */ }
  return { code: response.status === 401 ? "UNAUTHORIZED" : "UPSTREAM_ERROR", message: `HTTP ${response.status}`, retryable: response.status >= 500 };
}

// Runs one answer to its end: POST (after a reload the same POST again: the edge attaches a repeated POST with the same
// stream id and request to that stream from its start), then resumes and restarts.
async function runAnswer(view, request) {
  const controller = new AbortController();
  const signal = controller.signal;
  let id = request.stream_id, lastEventId = null, failures = 0, startFailures = 0, restarts = 0, serverRetry = null;
  let model = null, usage = null, firstAt = null, outTokens = 0;
  const began = performance.now();
  running = { id, abort: () => controller.abort(), stopped: false };
  sessionStorage.setItem(store.current, JSON.stringify({ request, prompt: request.messages.at(-1).content }));
  $("stop").disabled = false;
  $("send").disabled = true;

  const finish = (outcome) => {
    view.flush();
    status("");
    sessionStorage.removeItem(store.current);
    $("stop").disabled = true;
    $("send").disabled = false;
    running = null;
    return outcome;
  };

  for (;;) {
    let lost = null, retryAfter = null;
    // Each attempt has its own abort, tied to Stop and to an idle timer: a connection that went silent (pings stopped
    // too) is given up and resumed.
    const attempt = new AbortController();
    const stop = () => attempt.abort();
    signal.addEventListener("abort", stop);
    let idle = setTimeout(stop, policy.idleMs);
    const alive = () => { clearTimeout(idle); idle = setTimeout(stop, policy.idleMs); };
    try {
      const resuming = lastEventId !== null;
      const response = resuming
        ? await fetch(`v1/chat/stream/${encodeURIComponent(id)}`, { headers: headers({ Accept: "text/event-stream", "Last-Event-ID": lastEventId }), signal: attempt.signal, cache: "no-store" })
        : await fetch("v1/chat/stream", { method: "POST", headers: headers({ "Content-Type": "application/json", Accept: "text/event-stream" }), body: JSON.stringify(Object.assign({}, request, { stream_id: id })), signal: attempt.signal });
      if (response.status === 204) return finish({ text: view.text, done: true });
      if (!response.ok) {
        const error = await errorOf(response);
        retryAfter = error.retry_after_ms;
        if (response.status === 401) { showTokenForm(error.message); view.error(error); return finish({ error }); }
        if (resuming && response.status === 404) {
          lost = { restart: error };
        } else if (!resuming && error.retryable && ++startFailures <= policy.startRetries) {
          lost = { error };
        } else if (resuming && (response.status >= 500 || response.status === 429)) {
          lost = { error };
        } else {
          view.error(error);
          return finish({ error });
        }
      } else {
        for await (const e of sseEvents(response, attempt.signal, alive)) {
          const data = JSON.parse(e.data);
          if (e.retry != null) serverRetry = e.retry;
          if (e.id) lastEventId = e.id;
          failures = 0;
          status("");
          switch (e.event) {
            case "start": model = data.model; id = data.stream_id; break;
            case "delta":
              if (firstAt === null) firstAt = performance.now();
              outTokens++;
              view.append(data.text);
              break;
            case "reasoning": view.think(data.text); break;
            case "usage": usage = data; break;
            case "done":
              view.flush();
              view.note(usageLine(model, usage, firstAt === null ? null : firstAt - began, performance.now() - began, outTokens) + (data.finish_reason === "length" ? " · cut at max tokens" : ""));
              return finish({ text: view.text, done: true });
            case "error":
              if (data.retryable) { lost = { restart: data }; break; }
              view.error(data);
              return finish({ text: view.text, error: data });
          }
          if (lost) break;
        }
      }
    } catch (e) {
      if (signal.aborted) break;
      lost = { error: { code: "NETWORK_ERROR", message: String(e && e.message || e), retryable: true } };
    } finally {
      clearTimeout(idle);
      signal.removeEventListener("abort", stop);
    }
    if (signal.aborted) break;

    if (lost && lost.restart) {
      // The stream cannot be resumed: start the answer over under a new id, and take back what was shown.
      if (++restarts > policy.attempts) { view.error(lost.restart); return finish({ error: lost.restart }); }
      id = newStreamId();
      running.id = id;
      request = Object.assign({}, request, { stream_id: id });
      sessionStorage.setItem(store.current, JSON.stringify({ request, prompt: request.messages.at(-1).content }));
      lastEventId = null; firstAt = null; outTokens = 0; usage = null;
      view.clear();
    } else if (!lost && lastEventId === null) {
      lost = { error: { code: "NETWORK_ERROR", message: "the connection closed before the answer began", retryable: true } };
    }
    if (++failures > policy.attempts) {
      const error = (lost && (lost.error || lost.restart)) || { code: "NETWORK_ERROR", message: "the connection to the edge was lost" };
      view.error(error);
      return finish({ text: view.text, error });
    }
    const wait = delay(failures, serverRetry, retryAfter);
    status(`reconnecting in ${(wait / 1000).toFixed(1)} s (attempt ${failures} of ${policy.attempts})`);
    await sleep(wait, signal);
    if (signal.aborted) break;
  }

  // Stopped: the partial answer stays, marked as such.
  view.note(usageLine(model, null, firstAt === null ? null : firstAt - began, performance.now() - began, outTokens) + " · stopped");
  return finish({ text: view.text, stopped: true });
}

// ---- the page --------------------------------------------------------------------------------------------------

async function send(prompt) {
  const history = conversation();
  const request = { model: $("model").value || undefined, messages: history.concat([{ role: "user", content: prompt }]), stream_id: newStreamId() };
  following = true;
  const view = addTurn(prompt);
  follow();
  const outcome = await runAnswer(view, request);
  remember(history, prompt, outcome);
}

function remember(history, prompt, outcome) {
  if (outcome.text) {
    const answer = outcome.stopped ? outcome.text + " [stopped]" : outcome.text;
    saveConversation(history.concat([{ role: "user", content: prompt }, { role: "assistant", content: answer }]));
  }
}

function showTokenForm(message) {
  $("token-form").hidden = false;
  $("token-message").textContent = message || "";
  $("token").focus();
}

async function loadModels() {
  const select = $("model");
  try {
    const response = await fetch("v1/models", { headers: headers() });
    if (response.status === 401) { showTokenForm("this edge needs an access token"); return; }
    const list = await response.json();
    const ids = (list.data || []).map(m => m.id);
    const wanted = localStorage.getItem(store.model) || config.default_model;
    select.replaceChildren(...ids.map(id => new Option(id, id, false, id === wanted)));
    if (!ids.includes(wanted) && ids.includes(config.default_model)) select.value = config.default_model;
  } catch {
    select.replaceChildren(new Option(config.default_model, config.default_model, true, true));
  }
}

function showConversation() {
  $("log").replaceChildren();
  const messages = conversation();
  for (let i = 0; i + 1 < messages.length; i += 2) {
    const view = addTurn(messages[i].content);
    view.text = messages[i + 1].content;
    view.render();
  }
}

async function start() {
  try { config = await (await fetch("web/config.json")).json(); } catch { /* defaults */ }
  if (config.tokens_required && !token()) showTokenForm("this edge needs an access token");
  await loadModels();
  showConversation();

  $("prompt").addEventListener("keydown", e => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $("ask").requestSubmit();
    }
  });
  $("ask").addEventListener("submit", e => {
    e.preventDefault();
    const prompt = $("prompt").value.trim();
    if (!prompt || running) return;
    $("prompt").value = "";
    send(prompt);
  });
  $("stop").addEventListener("click", () => {
    if (!running) return;
    const id = running.id;
    running.abort();
    fetch(`v1/chat/stream/${encodeURIComponent(id)}`, { method: "DELETE", headers: headers() }).catch(() => {});
  });
  $("new-chat").addEventListener("click", () => { if (!running) { saveConversation([]); showConversation(); } });
  $("model").addEventListener("change", () => localStorage.setItem(store.model, $("model").value));
  $("key").addEventListener("click", () => showTokenForm(""));
  $("token-form").addEventListener("submit", e => {
    e.preventDefault();
    localStorage.setItem(store.token, $("token").value.trim());
    $("token-form").hidden = true;
    loadModels();
  });

  document.body.dataset.ready = "1";

  // A reload mid-answer: the same request with the same stream id again; the edge attaches it to that stream from its
  // start (or, if the first POST never arrived, answers it now), and it ends exactly as it would have.
  const current = JSON.parse(sessionStorage.getItem(store.current) || "null");
  if (current) {
    const history = current.request.messages.slice(0, -1);
    const outcome = await runAnswer(addTurn(current.prompt), current.request);
    remember(history, current.prompt, outcome);
  }
}

start();
