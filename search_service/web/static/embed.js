/* Embeddable search box.
 *   <div id="search"></div>
 *   <script src="https://search.example.org/embed.js" data-target="#search" async></script>
 * Optional: data-site="example.org" (only that site), data-per-page="5".
 * The widget lives in a Shadow DOM (no CSS leaks either way), learns the API's origin from
 * its own src, and falls back to a plain form to the search page if the API can't be reached.
 * Data from the API is inserted as text; highlighted HTML keeps <mark> and nothing else. */
(function () {
  "use strict";
  var script = document.currentScript ||
    [].slice.call(document.querySelectorAll("script[src*='/embed.js']")).pop();
  if (!script) return;
  var origin = new URL(script.src, location.href).origin;
  var site = script.getAttribute("data-site") || "";
  var perPage = String(Math.max(1, Math.min(20, parseInt(script.getAttribute("data-per-page"), 10) || 5)));
  var selector = script.getAttribute("data-target");
  var target = selector ? document.querySelector(selector) : null;
  var host = document.createElement("search-service-embed");  // no page rule for div/span hits it
  if (target) target.replaceChildren(host); else script.parentNode.insertBefore(host, script.nextSibling);
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;

  var CSS = [
    /* !important here beats the page's own !important rules on the host element. */
    ":host { all: initial !important; display: block !important; position: relative !important;",
    "  font: 15px/1.45 system-ui, sans-serif !important; color: #1b1f24 !important;",
    "  --bg: #fff; --muted: #545d68; --accent: #1549c0; --line: #c9ced4; --mark: #fde68a; }",
    "@media (prefers-color-scheme: dark) { :host { color: #e7e9ec !important; --bg: #1b1f24;",
    "  --muted: #a8b0ba; --accent: #8ab4f8; --line: #3a4048; --mark: #6b5211; } }",
    "* { box-sizing: border-box; }",
    "form { display: flex; gap: .4rem; margin: 0; }",
    "input { flex: 1; min-width: 0; font: inherit; color: inherit; background: var(--bg); padding: .45rem .6rem;",
    "  border: 1px solid var(--muted); border-radius: 6px; }",
    "button { font: inherit; padding: .45rem .9rem; border-radius: 6px; border: 1px solid var(--accent);",
    "  background: var(--accent); color: var(--bg); cursor: pointer; }",
    ":focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }",
    ".vh { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }",
    ".panel { position: absolute; z-index: 2147483000; left: 0; right: 0; top: calc(100% + .3rem);",
    "  max-height: 70vh; overflow: auto; background: var(--bg); border: 1px solid var(--line);",
    "  border-radius: 8px; box-shadow: 0 6px 24px rgba(0,0,0,.18); padding: .4rem .6rem; }",
    ".status, .meta, .note { color: var(--muted); font-size: .85em; margin: .2rem 0; }",
    "ul { list-style: none; margin: 0; padding: 0; }",
    "li { padding: .4rem .4rem; border-radius: 6px; color: inherit; }",
    "li:focus-within { background: color-mix(in srgb, var(--accent) 12%, var(--bg)); }",
    "a { color: var(--accent); }",
    ".title { font-weight: 600; text-decoration: none; }",
    ".title:hover, .title:focus-visible { text-decoration: underline; }",
    ".snippet { margin: .15rem 0 0; }",
    "mark { background: var(--mark); color: inherit; padding: 0 .1em; }",
    ".error { color: #b42318; } @media (prefers-color-scheme: dark) { .error { color: #ff9b8f; } }",
    "[hidden] { display: none !important; }"
  ].join("\n");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function marked(html) {
    var parsed = new DOMParser().parseFromString(html || "", "text/html").body;
    var frag = document.createDocumentFragment();
    parsed.childNodes.forEach(function (n) {
      frag.appendChild(n.nodeName === "MARK" ? el("mark", {}, [n.textContent])
                                              : document.createTextNode(n.textContent));
    });
    return frag;
  }

  function pageUrl(q) {
    var params = new URLSearchParams({ q: q });
    if (site) params.set("site", site);
    return origin + "/?" + params.toString();
  }

  var hostName = new URL(origin).host;
  var input = el("input", { id: "q", name: "q", type: "search", autocomplete: "off", spellcheck: "false",
                            placeholder: "Search", "aria-controls": "panel" });
  var form = el("form", { role: "search", action: origin + "/", method: "get", target: "_top" }, [
    el("label", { "for": "q", "class": "vh" }, ["Search " + hostName]), input,
    el("button", { type: "submit" }, ["Search"])]);
  if (site) form.appendChild(el("input", { type: "hidden", name: "site", value: site }));
  var status = el("p", { "class": "status", role: "status" });
  var list = el("ul", { "aria-label": "Results" });
  var all = el("a", { "class": "all" });
  var panel = el("div", { id: "panel", "class": "panel", hidden: "" }, [status, list, el("p", { "class": "note" }, [all])]);
  var note = el("p", { "class": "note", hidden: "" }, ["Live results are unavailable; press Search to search on ",
    el("a", { href: origin + "/", target: "_top" }, [hostName]), "."]);
  root.append(el("style", {}, [CSS]), form, panel, note);

  var controller = null, timer = null, offline = false;

  function open(show) {
    panel.hidden = !show;
  }

  function degrade() {
    offline = true;
    open(false);
    note.hidden = false;
  }

  function render(q, data) {
    list.replaceChildren.apply(list, data.results.map(function (hit) {
      var href = hit.url && /^https?:\/\//i.test(hit.url) ? hit.url : origin + "/documents/" + encodeURIComponent(hit.id);
      var title = el("a", { "class": "title", href: href, target: "_top" });
      title.appendChild(hit.title_highlighted ? marked(hit.title_highlighted)
                                              : document.createTextNode(hit.title || hit.source));
      var meta = [hit.site, hit.author, hit.published].filter(Boolean).join(" · ");
      var snippet = el("p", { "class": "snippet" });
      snippet.appendChild(marked(hit.snippet));
      return el("li", {}, [title, meta ? el("p", { "class": "meta" }, [meta]) : "", snippet].filter(Boolean));
    }));
    status.textContent = data.total + " result" + (data.total === 1 ? "" : "s") +
      (data.suggestion ? " — did you mean “" + data.suggestion + "”?" : "");
    all.textContent = data.total > data.results.length ? "All " + data.total + " results on " + hostName + " →"
                                                       : "Open the search page on " + hostName + " →";
    all.href = pageUrl(q);
    all.target = "_top";
    open(true);
  }

  function search() {
    var q = input.value.trim();
    if (controller) controller.abort();
    if (!q || offline) { open(false); return; }
    controller = new AbortController();
    var params = new URLSearchParams({ q: q, per_page: perPage });
    if (site) params.set("site", site);
    fetch(origin + "/api/search?" + params.toString(), { headers: { Accept: "application/json" },
                                                         signal: controller.signal, credentials: "omit" })
      .then(function (response) {
        if (response.status >= 500) throw new Error("HTTP " + response.status);
        return response.json().then(function (body) {
          if (response.ok) return render(q, body);
          list.replaceChildren();
          status.replaceChildren(el("span", { "class": "error" }, [body.error ? body.error.message : "HTTP " + response.status]));
          all.textContent = "";
          open(true);
        });
      })
      .catch(function (err) { if (err.name !== "AbortError") degrade(); });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });

  root.addEventListener("keydown", function (event) {
    var links = [].slice.call(list.querySelectorAll("a.title"));
    var i = links.indexOf(root.activeElement);
    if (event.key === "Escape") {
      open(false);
      input.focus();
    } else if (event.key === "ArrowDown" && links.length && !panel.hidden) {
      event.preventDefault();
      links[Math.min(i + 1, links.length - 1)].focus();
    } else if (event.key === "ArrowUp" && i >= 0) {
      event.preventDefault();
      (i === 0 ? input : links[i - 1]).focus();
    }
  });
  input.addEventListener("focus", function () { if (list.children.length && !offline && input.value.trim()) open(true); });
  document.addEventListener("click", function (event) { if (!event.composedPath().includes(host)) open(false); });
})();
