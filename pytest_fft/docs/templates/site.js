(function () {
  "use strict";
  var doc = document.documentElement;
  var search = document.getElementById("search");

  // Dark or light: the toggle overrides the system's choice and is remembered.
  var theme = document.getElementById("theme");
  if (theme) theme.addEventListener("click", function () {
    var set = doc.getAttribute("data-theme");
    var dark = set ? set === "dark" : window.matchMedia("(prefers-color-scheme: dark)").matches;
    doc.setAttribute("data-theme", dark ? "light" : "dark");
    try { localStorage.setItem("fft-docs-theme", dark ? "light" : "dark"); } catch (e) { /* private mode */ }
  });

  // Copy buttons: data-copy names the element whose text is copied.
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    document.body.removeChild(area);
    return done;
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.textContent;
    var label = button.textContent;
    function report(copied) {
      button.textContent = copied ? "Copied" : "Select and copy";
      button.classList.toggle("done", copied);
      setTimeout(function () { button.textContent = label; button.classList.remove("done"); }, 1500);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { report(true); },
        function () { report(fallbackCopy(text)); });
    } else {
      report(fallbackCopy(text));
    }
  });

  // "/" jumps to the search box; on a model's page, Enter searches on the index.
  document.addEventListener("keydown", function (event) {
    var tag = (event.target && event.target.tagName) || "";
    if (event.key === "/" && search && tag !== "INPUT" && tag !== "SELECT" && tag !== "TEXTAREA") {
      event.preventDefault();
      search.focus();
      search.select();
    }
  });
  if (search && !document.getElementById("models")) {
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        location.href = document.body.getAttribute("data-root") + "index.html#q=" + encodeURIComponent(search.value);
      }
    });
  }

  // Code: keywords, strings, comments, numbers and function names, as text nodes in spans.
  var SQL_WORDS = ("all alter and any array as asc between both by case cast check collate column constraint " +
    "create cross cube current_date current_time current_timestamp default delete desc distinct drop else end " +
    "except exists extract false fetch filter first following for from full group grouping having if ilike in " +
    "inner insert intersect interval into is join lateral leading left like limit merge natural not null nulls " +
    "offset on or order outer over partition pivot preceding qualify range recursive replace right rollup row " +
    "rows select set similar table then ties top trailing true try_cast unbounded union unnest unpivot update " +
    "using values view when where window with within").split(" ");
  var PY_WORDS = ("False None True and as assert async await break class continue def del elif else except " +
    "finally for from global if import in is lambda nonlocal not or pass raise return try while with yield " +
    "match case self cls").split(" ");
  var LANGS = {
    sql: { words: SQL_WORDS, fold: true,
      pattern: /(--[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|('(?:[^']|'')*'?)|("(?:[^"]|"")*"|`[^`]*`)|(\b\d+(?:\.\d+)?\b)|([A-Za-z_][\w$]*)/g },
    python: { words: PY_WORDS, fold: false,
      pattern: /(#[^\n]*)|((?:\b[rRbBuUfF]{1,2})?(?:"""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?))|(@[A-Za-z_][\w.]*)|(\b\d[\d_]*(?:\.\d+)?\b)|([A-Za-z_]\w*)/g }
  };
  function highlight(code) {
    var lang = LANGS[code.getAttribute("data-lang")];
    var text = code.textContent;
    if (!lang || text.length > 300000) return;
    var words = {};
    lang.words.forEach(function (w) { words[w] = true; });
    var out = document.createDocumentFragment();
    var last = 0, match, css;
    function put(piece, name) {
      if (!piece) return;
      if (!name) { out.appendChild(document.createTextNode(piece)); return; }
      var span = document.createElement("span");
      span.className = name;
      span.textContent = piece;
      out.appendChild(span);
    }
    lang.pattern.lastIndex = 0;
    while ((match = lang.pattern.exec(text)) !== null) {
      if (!match[0]) { lang.pattern.lastIndex++; continue; }
      put(text.slice(last, match.index));
      if (match[1]) css = "hc";
      else if (match[2]) css = "hs";
      else if (match[3]) css = lang.fold ? "" : "hf";
      else if (match[4]) css = "hn";
      else {
        var word = lang.fold ? match[5].toLowerCase() : match[5];
        var before = text.slice(Math.max(0, match.index - 6), match.index);
        css = words[word] === true ? "hk"
          : text.charAt(lang.pattern.lastIndex) === "(" || /(def|class) $/.test(before) ? "hf" : "";
      }
      put(match[0], css);
      last = lang.pattern.lastIndex;
    }
    put(text.slice(last));
    code.textContent = "";
    code.appendChild(out);
  }
  Array.prototype.forEach.call(document.querySelectorAll("code[data-lang]"), highlight);
})();
