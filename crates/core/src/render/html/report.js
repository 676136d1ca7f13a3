// fairboard audit report: the page's only script of its own, inlined after vega.min.js and
// vega-lite.min.js. It draws each chart from the Vega-Lite spec beside it, opens <details> that
// the URL's #fragment points into, and wires the findings' expand/collapse buttons.
// No network: specs carry their data inline and the loader below refuses every load.
// A NOT AUTHENTIC report has no charts and no Vega bundles; then this only does the anchors.
(function () {
  'use strict';

  const refuse = () => Promise.reject(new Error('fairboard report: loading is disabled (no network)'));

  // Counts the named marks of a view's scenegraph: { name: count }. Vega-Lite names a unit's mark
  // `${unitName}_marks`, so "_marks" is dropped (a layer {"name":"ci",...} counts as "ci").
  // Group marks (cells, facets, axes, legends) are not counted, only walked into. For line, area
  // and trail the count is the number of non-empty mark instances (one per series, as Vega-Lite
  // wraps a coloured line in a facet group holding one line mark per series); for every other
  // mark type (rule, symbol, rect, text...) it is the number of items over all its instances.
  function countMarks(view) {
    const counts = {};
    (function walk(mark) {
      if (mark.marktype === 'group') {
        for (const group of mark.items || []) for (const child of group.items || []) walk(child);
        return;
      }
      if (!mark.name) return;
      const name = mark.name.replace(/_marks$/, '');
      const items = (mark.items || []).length;
      const n = ['line', 'area', 'trail'].includes(mark.marktype) ? (items > 0 ? 1 : 0) : items;
      counts[name] = (counts[name] || 0) + n;
    })(view.scenegraph().root);
    return counts;
  }

  // Every param name in the spec and its sub-specs (layer, concat, facet/repeat spec); data is
  // not searched.
  function paramNames(node, out = new Set()) {
    if (Array.isArray(node)) node.forEach((n) => paramNames(n, out));
    else if (node && typeof node === 'object') {
      if (Array.isArray(node.params)) node.params.forEach((p) => p && p.name && out.add(p.name));
      for (const key of ['layer', 'concat', 'hconcat', 'vconcat', 'spec']) paramNames(node[key], out);
    }
    return out;
  }

  async function drawChart(el) {
    try {
      if (typeof vega === 'undefined' || typeof vegaLite === 'undefined') throw new Error('the Vega bundles are missing');
      const source = document.getElementById(el.dataset.spec);
      if (!source) throw new Error(`no spec element #${el.dataset.spec}`);
      const spec = JSON.parse(source.textContent);
      const loader = vega.loader();
      loader.load = refuse;
      loader.sanitize = refuse;
      const view = new vega.View(vega.parse(vegaLite.compile(spec).spec),
        { renderer: 'svg', container: el, hover: true, loader });
      await view.runAsync();
      const recount = () => { el.dataset.marks = JSON.stringify(countMarks(view)); };
      recount();
      // After a bound input (e.g. the ratings' "show all" checkbox) changes a param, run the
      // dataflow to the end, then count again. Params that are not signals of the view are skipped.
      for (const name of paramNames(spec)) {
        try {
          view.addSignalListener(name, () => view.runAsync().then(recount, fail));
        } catch (_) { /* not a top-level signal (e.g. a selection's internal state) */ }
      }
      el.dataset.rendered = 'true';
    } catch (err) {
      fail(err);
    }
    function fail(err) {
      console.error(`fairboard report: chart ${el.dataset.spec}:`, err);
      el.dataset.rendered = 'error';
      const p = document.createElement('p');
      p.className = 'chart-error';
      p.textContent = `This chart could not be drawn (${err && err.message}); the table beside it has the same data.`;
      (el.closest('figure') || el.parentNode).appendChild(p);
    }
  }

  // Opens every <details> around the fragment's target (and the target itself), then shows it.
  function reveal() {
    let id;
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (_) { return; }
    const target = id && document.getElementById(id);
    if (!target) return;
    for (let d = target; d; d = d.parentElement) if (d.tagName === 'DETAILS') d.open = true;
    target.scrollIntoView();
  }

  async function main() {
    const findings = document.getElementById('findings');
    const setAll = (open) => findings && findings.querySelectorAll('details.subject, details.finding')
      .forEach((d) => { d.open = open; });
    document.getElementById('expand-all')?.addEventListener('click', () => setAll(true));
    document.getElementById('collapse-all')?.addEventListener('click', () => setAll(false));
    window.addEventListener('hashchange', reveal);
    reveal();
    // One chart after another, in page order; a failed chart does not stop the others.
    for (const el of document.querySelectorAll('.vl')) await drawChart(el);
    // The charts pushed later content down: show the fragment's target again.
    if (document.querySelector('.vl')) reveal();
    document.documentElement.dataset.charts = 'done';
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
  else main();
})();
