// cloudtwin console: forms marked data-action="json" are sent as JSON (the control API and
// the console's actions take nothing else), secret values are fetched on a click, and the
// request log can refresh itself. No framework, no network beyond this server.
"use strict";

function showFlash(text, kind) {
  const box = document.getElementById("flash");
  if (!box) return;
  box.textContent = text;
  box.className = "flash " + (kind || "ok");
}

const MAX_UPLOAD = 50 * 1024 * 1024; // the server takes console actions up to 70 MiB (base64)

function readFile(file) {
  if (file.size > MAX_UPLOAD) {
    return Promise.reject(new Error(`${file.name} is over 50 MiB: upload it with an SDK or the CLI`));
  }
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve({ name: file.name, type: file.type, data: url.slice(url.indexOf(",") + 1) });
    };
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

async function formObject(form) {
  const out = {};
  for (const element of form.elements) {
    if (!element.name || element.disabled) continue;
    if (element.type === "checkbox") {
      if (element.checked) out[element.name] = element.value || "1";
    } else if (element.type === "file") {
      if (element.files.length) out[element.name] = await readFile(element.files[0]);
    } else if (element.value !== "" || element.type === "hidden") {
      out[element.name] = element.value;
    }
  }
  return out;
}

async function postJson(url, payload) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(payload),
    credentials: "same-origin",
  });
  let data = {};
  try {
    data = await response.json();
  } catch (e) {
    data = { error: "answer " + response.status };
  }
  if (!response.ok && !data.error) data.error = "answer " + response.status;
  return data;
}

async function submitJson(event) {
  const form = event.target;
  if (!form.matches || !form.matches("form[data-action=json]")) return;
  event.preventDefault();
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
  const button = form.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  try {
    const data = await postJson(form.getAttribute("action"), await formObject(form));
    if (data.error) {
      showFlash(data.error, "error");
      return;
    }
    if (data.value !== undefined && data.target) {
      const out = document.querySelector(data.target);
      if (out) {
        out.textContent = data.value;
        out.hidden = false;
      }
    }
    showFlash(data.message || "done", "ok");
    if (data.redirect || data.reload || data.value === undefined) {
      sessionStorage.setItem("cloudtwin-flash", data.message || "done");
      if (data.redirect) window.location.assign(data.redirect);
      else window.location.reload();
    }
  } catch (e) {
    showFlash(e && e.message ? e.message : String(e), "error");
  } finally {
    if (button) button.disabled = false;
  }
}

async function reveal(event) {
  const button = event.target.closest("button[data-reveal]");
  if (!button) return;
  const holder = button.parentElement.querySelector("[data-secret]");
  const data = await postJson(button.dataset.reveal, JSON.parse(button.dataset.args || "{}"));
  if (data.error) {
    showFlash(data.error, "error");
    return;
  }
  holder.textContent = data.value;
  holder.classList.add("revealed");
  button.remove();
}

function autorefresh() {
  const box = document.querySelector("input[data-autorefresh]");
  if (!box) return;
  const key = "cloudtwin-autorefresh:" + window.location.pathname;
  box.checked = sessionStorage.getItem(key) === "1";
  let timer = null;
  const arm = () => {
    clearTimeout(timer);
    if (box.checked) timer = setTimeout(() => window.location.reload(), Number(box.dataset.autorefresh));
  };
  box.addEventListener("change", () => {
    sessionStorage.setItem(key, box.checked ? "1" : "0");
    arm();
  });
  arm();
}

document.addEventListener("submit", submitJson);
document.addEventListener("click", reveal);
document.addEventListener("DOMContentLoaded", () => {
  const message = sessionStorage.getItem("cloudtwin-flash");
  if (message) {
    sessionStorage.removeItem("cloudtwin-flash");
    showFlash(message, "ok");
  }
  autorefresh();
});
