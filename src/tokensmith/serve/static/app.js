// tokensmith playground: plain JS, no dependencies. Talks to the JSON API of the same server (see app.py).
"use strict";
const $ = (sel) => document.querySelector(sel);
const VISIBLE = { " ": "·", "\n": "↵\n", "\t": "→", "\r": "␍" };
let requestNo = 0;
let timer = null;

async function api(path, body) {
  const res = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({ detail: res.statusText }));
  if (!res.ok) {
    const detail = Array.isArray(data.detail) ? data.detail.map((d) => d.msg).join("; ") : data.detail;
    throw new Error(`${res.status}: ${detail}`);
  }
  return data;
}

function say(el, text, isError) {
  el.textContent = text;
  el.classList.toggle("error", Boolean(isError));
}

function selected() {
  return [...document.querySelectorAll("#tokenizers input:checked")].map((box) => box.value);
}

function visible(text, whitespace) {
  return whitespace ? text.replace(/[ \n\t\r]/g, (c) => VISIBLE[c]) : text;
}

// A token that splits a character: [piece, isEscape] parts, whole characters as text, the split ones as \xNN.
function byteParts(hex) {
  const bytes = (hex.match(/../g) || []).map((h) => parseInt(h, 16));
  const parts = [];
  const push = (piece, esc) => {
    const last = parts[parts.length - 1];
    if (last && last[1] === esc) last[0] += piece; else parts.push([piece, esc]);
  };
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    const n = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 0;
    const seq = bytes.slice(i, i + n);
    const whole = n > 0 && seq.length === n && seq.slice(1).every((c) => c >= 0x80 && c < 0xc0);
    if (whole) {
      push(new TextDecoder().decode(new Uint8Array(seq)), false);
      i += n;
    } else {
      push(`\\x${bytes[i].toString(16).padStart(2, "0")}`, true);
      i += 1;
    }
  }
  return parts;
}

function chip(token, k, sharedHere) {
  const el = document.createElement("span");
  el.className = `chip c${k % 3}` + (sharedHere ? " shared" : "") + (token.start === token.end ? " added" : "");
  el.dataset.id = token.id;
  el.dataset.start = token.start;
  el.title = `id ${token.id} · bytes ${token.bytes_hex.match(/../g)?.join(" ") ?? "(none)"}` +
    (token.text === null ? " · splits a character" : "");
  const whitespace = $("#whitespace").checked;
  if (token.text !== null) {
    el.textContent = visible(token.text, whitespace);
    return el;
  }
  for (const [piece, esc] of byteParts(token.bytes_hex)) {
    const part = document.createElement("span");
    if (esc) part.className = "esc";
    part.textContent = esc ? piece : visible(piece, whitespace);
    el.appendChild(part);
  }
  return el;
}

function renderRow(row, shared, many) {
  const box = document.createElement("div");
  box.className = "tokrow";
  box.dataset.tokenizer = row.name;
  const head = document.createElement("h2");
  head.textContent = row.name;
  const counts = document.createElement("span");
  counts.className = "counts";
  counts.dataset.tokens = row.n_tokens;
  const rate = (x) => (x === null ? "–" : x.toFixed(2));
  counts.textContent = `${row.n_tokens} tokens · ${rate(row.bytes_per_token)} bytes/token · ` +
    `${rate(row.chars_per_token)} chars/token`;
  head.appendChild(counts);
  const chips = document.createElement("div");
  chips.className = "chips";
  const marked = new Set();
  row.tokens.forEach((token, k) => {
    const here = many && shared.has(token.start) && !marked.has(token.start);
    if (here) marked.add(token.start);
    chips.appendChild(chip(token, k, here));
  });
  box.append(head, chips);
  return box;
}

async function update() {
  const names = selected();
  const text = $("#text").value;
  const out = $("#results");
  const mine = ++requestNo;
  if (!names.length) {
    out.replaceChildren();
    say($("#status"), "Select one or more tokenizers.");
    return;
  }
  try {
    const doc = await api("/api/diff", { tokenizers: names, text });
    if (mine !== requestNo) return; // a newer request is on its way
    const shared = new Set(doc.shared_boundaries);
    out.replaceChildren(...doc.tokenizers.map((row) => renderRow(row, shared, names.length > 1)));
    say($("#status"), `${doc.n_chars} characters, ${doc.n_bytes} bytes` +
      (names.length > 1 ? ` · ${doc.shared_boundaries.length} boundaries shared by all` : ""));
    out.dataset.rendered = JSON.stringify({ names, chars: doc.n_chars });
  } catch (err) {
    if (mine === requestNo) say($("#status"), err.message, true);
  }
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(update, 200); // debounced: one request per pause in typing
}

async function loadTokenizers() {
  const { tokenizers } = await api("/api/tokenizers");
  const field = $("#tokenizers");
  field.replaceChildren(Object.assign(document.createElement("legend"), { textContent: "Tokenizers" }));
  tokenizers.forEach((t, i) => {
    const label = document.createElement("label");
    label.title = `${t.backend}, ${t.vocab_size.toLocaleString()} tokens`;
    const box = Object.assign(document.createElement("input"), { type: "checkbox", value: t.name, checked: i === 0 });
    box.addEventListener("change", schedule);
    label.append(box, ` ${t.name}`);
    field.appendChild(label);
  });
  $("#metrics-tokenizer").replaceChildren(...tokenizers.map((t) => new Option(t.name, t.name)));
}

function readFileInto(input, area) {
  input.addEventListener("change", () => {
    const file = input.files[0];
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => { area.value = reader.result; };
    reader.readAsText(file); // invalid UTF-8 becomes U+FFFD, which the server then counts as text
  });
}

async function measure() {
  const status = $("#metrics-status");
  say(status, "measuring…");
  try {
    const doc = await api("/api/metrics", {
      tokenizer: $("#metrics-tokenizer").value, text: $("#metrics-text").value,
      resamples: Number($("#metrics-resamples").value || 0),
    });
    const fmt = (x) => (x === null || x === undefined ? "–" : Number(x).toPrecision(4));
    const table = $("#metrics-table");
    table.innerHTML = "<tr><th>metric</th><th>param</th><th>value</th><th>95% CI</th><th>n</th></tr>";
    for (const r of doc.rows) {
      const tr = table.insertRow();
      const ci = r.ci_low === null ? "–" : `${fmt(r.ci_low)} – ${fmt(r.ci_high)}`;
      [r.metric, r.param ?? "", r.error ? r.error : fmt(r.value), ci, r.n ?? ""].forEach((v) => {
        tr.insertCell().textContent = v;
      });
    }
    say(status, `${doc.tokenizer} on ${doc.sentences} sentences. ${doc.notes.join(" ")}`);
  } catch (err) {
    say(status, err.message, true);
  }
}

async function renderReport() {
  const status = $("#report-status");
  let obj;
  try {
    obj = JSON.parse($("#report-text").value);
  } catch (err) {
    say(status, `not JSON: ${err.message}`, true);
    return;
  }
  say(status, "rendering…");
  try {
    const { html } = await api("/api/report", obj);
    $("#report-frame").srcdoc = html;
    say(status, "");
  } catch (err) {
    say(status, err.message, true);
  }
}

function tabs() {
  document.querySelectorAll("nav .tab").forEach((button) => button.addEventListener("click", () => {
    document.querySelectorAll("nav .tab, .panel").forEach((el) => el.classList.remove("active"));
    button.classList.add("active");
    $(`#panel-${button.dataset.tab}`).classList.add("active");
  }));
}

window.addEventListener("DOMContentLoaded", async () => {
  tabs();
  $("#text").addEventListener("input", schedule);
  $("#whitespace").addEventListener("change", update);
  $("#metrics-run").addEventListener("click", measure);
  $("#report-run").addEventListener("click", renderReport);
  readFileInto($("#metrics-file"), $("#metrics-text"));
  readFileInto($("#report-file"), $("#report-text"));
  try {
    await loadTokenizers();
    await update();
  } catch (err) {
    say($("#status"), err.message, true);
  }
});
