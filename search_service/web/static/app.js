/* Search page enhancements: search-as-you-type over /api/search and keyboard navigation.
 * The server-rendered page is complete without this file. User data is only ever inserted
 * as text; highlighted HTML from the API goes through marked(), which keeps <mark> alone. */
(function () {
  "use strict";
  var form = document.querySelector("form[role=search]");
  var input = document.getElementById("q");
  var results = document.getElementById("results");
  var status = document.getElementById("status");
  var help = document.getElementById("help");
  if (!form || !input || !results || !status || !window.fetch || !window.AbortController) return;

  var STATE_KEYS = ["q", "page", "per_page", "site", "author", "from", "to", "sort"];
  var FILTER_LABELS = { site: "site", author: "author", from: "from", to: "until", sort: "sorted by" };
  var DELAY_MS = 150;
  var api = form.getAttribute("data-api") || "/api/search";
  var controller = null, timer = null;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  /* Escaped HTML with <mark> → nodes: text stays text, <mark> stays <mark>, nothing else. */
  function marked(html) {
    var parsed = new DOMParser().parseFromString(html || "", "text/html").body;
    var frag = document.createDocumentFragment();
    parsed.childNodes.forEach(function (n) {
      frag.appendChild(n.nodeName === "MARK" ? el("mark", {}, [n.textContent])
                                              : document.createTextNode(n.textContent));
    });
    return frag;
  }

  function httpUrl(url) { return url && /^https?:\/\//i.test(url) ? url : null; }

  function currentState() {
    var params = new URLSearchParams(location.search), state = {};
    STATE_KEYS.forEach(function (k) { if (params.get(k)) state[k] = params.get(k); });
    return state;
  }

  /* A URL for this page with some state changed (null removes a key; page resets to 1). */
  function pageUrl(state, changes) {
    var next = Object.assign({}, state), params = new URLSearchParams();
    if (!("page" in changes)) delete next.page;
    Object.keys(changes).forEach(function (k) {
      if (changes[k] === null || changes[k] === "") delete next[k]; else next[k] = String(changes[k]);
    });
    if (next.page === "1") delete next.page;
    STATE_KEYS.forEach(function (k) { if (next[k]) params.set(k, next[k]); });
    var query = params.toString();
    return location.pathname + (query ? "?" + query : "");
  }

  function setStatus(data) {
    status.replaceChildren();
    if (!data) return;
    var n = data.total;
    status.append(n + " result" + (n === 1 ? "" : "s") + " for ", el("q", {}, [data.query]),
                  " (" + Math.round(data.took_ms) + " ms)");
  }

  function renderFacets(state, data) {
    var facets = data.facets || {}, groups = [];
    [["site", "Site"], ["year", "Year"]].forEach(function (pair) {
      var items = (facets[pair[0]] || []).map(function (item) {
        var value = String(item.value), active, changes;
        if (pair[0] === "site") {
          active = state.site === value;
          changes = { site: active ? null : value };
        } else {
          active = state.from === value + "-01-01" && state.to === value + "-12-31";
          changes = active ? { from: null, to: null } : { from: value + "-01-01", to: value + "-12-31" };
        }
        var link = el("a", { href: pageUrl(state, changes) }, [value]);
        if (active) link.setAttribute("aria-current", "true");
        return el("li", {}, [link, " ", el("span", { "class": "n" }, [String(item.count)])]);
      });
      if (items.length) groups.push([pair[0], pair[1], items]);
    });
    if (!groups.length) return null;
    var sort = state.sort || "relevance";
    groups.push(["sort", "Sort", ["relevance", "date"].map(function (v) {
      var link = el("a", { href: pageUrl(state, { sort: v === "relevance" ? null : v }) }, [v]);
      if (sort === v) link.setAttribute("aria-current", "true");
      return el("li", {}, [link]);
    })]);
    return el("aside", { "class": "facets", "aria-label": "Narrow the results" }, groups.map(function (g) {
      return el("div", { "class": "facet" }, [
        el("h2", { "class": "facet-name", id: "facet-" + g[0] }, [g[1]]),
        el("ul", { "aria-labelledby": "facet-" + g[0] }, g[2])]);
    }));
  }

  function renderHit(hit) {
    var clean = "/documents/" + encodeURIComponent(hit.id);
    var title = el("a", { href: httpUrl(hit.url) || clean });
    title.appendChild(hit.title_highlighted ? marked(hit.title_highlighted)
                                            : document.createTextNode(hit.title || hit.source));
    var meta = el("p", { "class": "meta" });
    if (hit.site) meta.append(el("span", { "class": "site" }, [hit.site]), " · ");
    if (hit.author) meta.append(el("span", { "class": "author" }, [hit.author]), " · ");
    if (hit.published) meta.append(el("time", { datetime: hit.published }, [hit.published]), " · ");
    meta.append(el("a", { href: clean }, ["clean text"]));
    var snippet = el("p", { "class": "snippet" });
    snippet.appendChild(marked(hit.snippet));
    return el("li", { "class": "hit" }, [el("h2", {}, [title]), meta, snippet]);
  }

  function render(state, data) {
    var nodes = [], filters = [];
    if (data.interpreted_as && data.interpreted_as !== data.query) {
      nodes.push(el("p", { "class": "interpreted" }, ["Searched for ", el("q", {}, [data.interpreted_as])]));
    }
    if (data.suggestion) {
      nodes.push(el("p", { "class": "suggestion" }, ["Did you mean ",
        el("a", { href: pageUrl(state, { q: data.suggestion }) }, [data.suggestion]), "?"]));
    }
    Object.keys(FILTER_LABELS).forEach(function (k) {
      if (!state[k]) return;
      var remove = {}; remove[k] = null;
      filters.push(el("li", {}, [FILTER_LABELS[k] + " ", el("strong", {}, [state[k]]), " ",
        el("a", { href: pageUrl(state, remove), "aria-label": "Remove filter: " + FILTER_LABELS[k] + " " + state[k] }, ["✕"])]));
    });
    if (filters.length) nodes.push(el("ul", { "class": "filters", "aria-label": "Active filters" }, filters));
    var facets = renderFacets(state, data);
    if (facets) nodes.push(facets);
    if (data.results.length) {
      nodes.push(el("ol", { "class": "hits", start: String((data.page - 1) * data.per_page + 1) },
                    data.results.map(renderHit)));
    } else {
      nodes.push(el("p", { "class": "none" }, ["No pages match ", el("q", {}, [data.query]),
        filters.length ? " with these filters." : ".", " Try fewer or other words, or see how to search below."]));
    }
    var last = Math.max(1, Math.ceil(data.total / data.per_page));
    if (last > 1) {
      var nav = el("nav", { "class": "pages", "aria-label": "Result pages" });
      if (data.page > 1) nav.append(el("a", { rel: "prev", href: pageUrl(state, { page: data.page - 1 }) }, ["← Previous"]));
      nav.append(el("span", {}, ["Page " + data.page + " of " + last]));
      if (data.page < last) nav.append(el("a", { rel: "next", href: pageUrl(state, { page: data.page + 1 }) }, ["Next →"]));
      nodes.push(nav);
    }
    results.replaceChildren.apply(results, nodes);
    setStatus(data);
    if (help) help.hidden = data.total > 0;
  }

  function showError(message) {
    results.replaceChildren(el("p", { "class": "error", role: "alert" }, [message]));
    setStatus(null);
    if (help) help.hidden = false;
  }

  function search() {
    var state = currentState();
    state.q = input.value;
    delete state.page;
    if (controller) controller.abort();
    history.replaceState(null, "", pageUrl(state, {}));
    document.title = (state.q.trim() ? state.q + " – " : "") + "Search";
    if (!state.q.trim()) {
      results.replaceChildren();
      setStatus(null);
      if (help) help.hidden = false;
      return;
    }
    controller = new AbortController();
    var params = new URLSearchParams(state);
    fetch(api + "?" + params.toString(), { headers: { Accept: "application/json" }, signal: controller.signal })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.ok) return render(state, body);
          showError(body.error ? body.error.message : "The search failed (HTTP " + response.status + ").");
        });
      })
      .catch(function (err) {
        if (err.name !== "AbortError") showError("The search service could not be reached. Press Enter to try again.");
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, DELAY_MS);
  });

  /* Keyboard: "/" focuses the box; ↓/↑ move through result titles; Esc goes back to the box. */
  function typing(target) {
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "/" && !typing(event.target)) {
      event.preventDefault();
      input.focus();
      input.select();
      return;
    }
    var links = Array.prototype.slice.call(results.querySelectorAll(".hit h2 a"));
    var active = document.activeElement;
    var hit = active && active.closest ? active.closest(".hit") : null;
    var i = hit ? links.indexOf(hit.querySelector("h2 a")) : -1;
    if (event.key === "Escape" && i >= 0) {
      input.focus();
    } else if (event.key === "ArrowDown" && links.length && (active === input || i >= 0)) {
      event.preventDefault();
      links[Math.min(i + 1, links.length - 1)].focus();
    } else if (event.key === "ArrowUp" && i >= 0) {
      event.preventDefault();
      (i === 0 ? input : links[i - 1]).focus();
    }
  });
})();
