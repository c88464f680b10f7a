// The API explorer: reads /api/v2/openapi.json and sends requests with the token typed above. No
// third-party code, so the page works offline.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const tokenInput = $("token");
  tokenInput.value = sessionStorage.getItem("upesi-token") || "";
  tokenInput.addEventListener("change", () => sessionStorage.setItem("upesi-token", tokenInput.value.trim()));
  let spec = null;
  let current = null;

  function select(path) {
    current = path;
    const ops = spec.paths[path];
    document.querySelectorAll("nav button").forEach((b) => b.classList.toggle("active", b.dataset.path === path));
    $("console").hidden = false;
    $("title").textContent = "/api/v2" + path;
    const methods = $("method");
    methods.innerHTML = "";
    Object.keys(ops).forEach((m) => methods.add(new Option(m.toUpperCase(), m)));
    showOperation();
  }

  function showOperation() {
    const op = spec.paths[current][$("method").value];
    $("summary").textContent = (op.summary || "") + " — " + (op.description || "");
    const params = $("params");
    params.querySelectorAll("label").forEach((l) => l.remove());
    op.parameters.forEach((p) => {
      const label = document.createElement("label");
      label.textContent = p.name;
      label.title = p.description || "";
      const input = document.createElement("input");
      input.name = p.name;
      label.appendChild(input);
      params.appendChild(label);
    });
    $("body-label").hidden = !op.requestBody;
  }

  async function send(event) {
    event.preventDefault();
    const method = $("method").value.toUpperCase();
    const url = new URL(spec.servers[0].url + current, window.location.origin);
    $("params").querySelectorAll("input").forEach((i) => { if (i.value) url.searchParams.append(i.name, i.value); });
    const headers = { Accept: "application/json" };
    if (tokenInput.value.trim()) headers.Authorization = "Token " + tokenInput.value.trim();
    const init = { method, headers };
    if (method === "POST") {
      headers["Content-Type"] = "application/json";
      init.body = $("body").value;
    }
    $("status").textContent = "…";
    try {
      const resp = await fetch(url, init);
      const text = await resp.text();
      $("status").textContent = resp.status + " " + resp.statusText;
      try { $("response").textContent = JSON.stringify(JSON.parse(text), null, 2); }
      catch (e) { $("response").textContent = text; }
    } catch (e) {
      $("status").textContent = "network error";
      $("response").textContent = String(e);
    }
  }

  $("method").addEventListener("change", showOperation);
  $("request").addEventListener("submit", send);
  fetch("/api/v2/openapi.json").then((r) => r.json()).then((s) => {
    spec = s;
    const nav = $("endpoints");
    Object.keys(spec.paths).forEach((path) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = path.replace(/^\//, "").replace(/\.json$/, "");
      b.dataset.path = path;
      b.addEventListener("click", () => select(path));
      nav.appendChild(b);
    });
  });
})();
