// The report's viewer. All data comes from the JSON blob; every string from it reaches the page
// through textContent or setAttribute on a fixed attribute name, never through innerHTML.
(() => {
  'use strict';
  const DATA = JSON.parse(document.getElementById('report-data').textContent);
  const ARTICLES = DATA.articles, META = DATA.meta, STATUS = META.status_colours;
  const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#17becf'];
  const UNKNOWN = '#8a8a8a', PAGE = 50;
  const LAYERS = [['q', 'Quotes'], ['a', 'Agreement evidence'], ['t', 'Topic evidence'], ['p', 'Party mentions']];
  const PRIORITY = { q: 0, a: 1, t: 2, p: 3 }; // outer layers first: quotes are never split by the others

  const $ = (id) => document.getElementById(id);
  function h(tag, props, kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v == null || v === false) continue;
      if (k === 'text') e.textContent = v;
      else if (k === 'cls') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const kid of kids || []) if (kid != null) e.append(kid);
    return e;
  }
  const label = (v) => String(v).replace(/_/g, ' ');
  const uniq = (xs) => [...new Set(xs)];

  // ---- index rows, computed once ------------------------------------------------------------
  const ROWS = ARTICLES.map((r, i) => {
    const byId = partiesById(r);
    const warnings = (r.provenance && r.provenance.warnings) || [];
    const speakers = uniq((r.quotes || []).map((q) => byId[q.speaker] && byId[q.speaker].name).filter(Boolean));
    return {
      i, id: r.article.id, date: r.article.published || '', sub: r.article.title || r.summary || '',
      np: (r.parties || []).length, nq: (r.quotes || []).length, nt: (r.topics || []).length,
      na: (r.agreements || []).length, nw: warnings.length, nd: warnings.filter(isDropped).length,
      parties: (r.parties || []).flatMap((p) => [p.name, ...(p.aliases || [])]).join('\n').toLowerCase(),
      speakers: speakers.join('\n').toLowerCase(), speakerNames: speakers,
      topics: new Set((r.topics || []).map((t) => t.category)),
      statuses: new Set((r.agreements || []).map((a) => a.status)),
      search: (r.article.id + '\n' + (r.article.title || '') + '\n' + (r.summary || '')).toLowerCase(),
    };
  });
  function partiesById(r) { const m = {}; for (const p of r.parties || []) m[p.id] = p; return m; }
  function isDropped(w) { return /^dropped/i.test(w); }

  const state = { q: '', party: '', speaker: '', topic: '', status: '', dropped: false, sort: 'date', dir: 1, page: 0 };
  let view = ROWS.map((r) => r.i);

  function applyFilters() {
    const q = state.q.toLowerCase(), party = state.party.toLowerCase(), speaker = state.speaker.toLowerCase();
    const rows = ROWS.filter((r) => (!q || r.search.includes(q)) && (!party || r.parties.includes(party))
      && (!speaker || r.speakers.includes(speaker)) && (!state.topic || r.topics.has(state.topic))
      && (!state.status || r.statuses.has(state.status)) && (!state.dropped || r.nd > 0));
    const key = state.sort, dir = state.dir;
    rows.sort((a, b) => {
      let x = a[key], y = b[key];
      if (key === 'date') { if (!x && y) return 1; if (x && !y) return -1; } // undated last either way
      return (x < y ? -1 : x > y ? 1 : a.i - b.i) * (x === y ? 1 : dir);
    });
    view = rows.map((r) => r.i);
  }

  // ---- index view ---------------------------------------------------------------------------
  const COLUMNS = [['date', 'Date'], ['id', 'Article'], ['np', 'Parties', 1], ['nq', 'Quotes', 1], ['nt', 'Topics', 1],
    ['na', 'Agreements', 1], ['nw', 'Warnings', 1], ['nd', 'Dropped', 1]];
  let tbody, pager, counter, headRow;

  function counted(values) {
    const c = new Map();
    for (const v of values) c.set(v, (c.get(v) || 0) + 1);
    return [...c.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  }

  function buildIndex() {
    const root = $('view-index');
    const names = counted(ARTICLES.flatMap((r) => uniq((r.parties || []).map((p) => p.name)))).slice(0, 1000);
    const speakers = counted(ROWS.flatMap((r) => r.speakerNames)).slice(0, 1000);
    const topics = counted(ROWS.flatMap((r) => [...r.topics]));
    const statuses = counted(ROWS.flatMap((r) => [...r.statuses]));
    const update = (key) => (ev) => {
      state[key] = ev.target.type === 'checkbox' ? ev.target.checked : ev.target.value;
      state.page = 0; refreshIndex();
    };
    const options = (entries, all) => [h('option', { value: '', text: all }),
      ...entries.map(([v, n]) => h('option', { value: v, text: `${label(v)} (${n})` }))];
    const filters = h('div', { cls: 'filters', role: 'search' }, [
      h('label', {}, ['Search', h('input', { type: 'search', id: 'f-q', placeholder: 'id, title, summary', oninput: update('q') })]),
      h('label', {}, ['Party', h('input', { type: 'search', id: 'f-party', list: 'dl-party', placeholder: 'name or alias', oninput: update('party') })]),
      h('label', {}, ['Speaker', h('input', { type: 'search', id: 'f-speaker', list: 'dl-speaker', placeholder: 'quoted person', oninput: update('speaker') })]),
      h('label', {}, ['Topic', h('select', { id: 'f-topic', onchange: update('topic') }, options(topics, 'any topic'))]),
      h('label', {}, ['Agreement status', h('select', { id: 'f-status', onchange: update('status') }, options(statuses, 'any status'))]),
      h('label', { cls: 'check' }, [h('input', { type: 'checkbox', id: 'f-dropped', onchange: update('dropped') }), 'with dropped items']),
      h('button', { type: 'button', id: 'f-reset', text: 'Reset', onclick: resetFilters }),
      h('datalist', { id: 'dl-party' }, names.map(([v]) => h('option', { value: v }))),
      h('datalist', { id: 'dl-speaker' }, speakers.map(([v]) => h('option', { value: v }))),
    ]);
    headRow = h('tr', {}, COLUMNS.map(([key, title, numeric]) => h('th', {
      cls: numeric ? 'n' : '', 'data-key': key, text: title, scope: 'col',
      onclick: () => { state.dir = state.sort === key ? -state.dir : (numeric ? -1 : 1); state.sort = key; refreshIndex(); },
    })));
    tbody = h('tbody');
    counter = h('p', { cls: 'muted', id: 'index-count' });
    pager = h('div', { cls: 'pager' });
    root.append(filters, counter, h('table', { cls: 'index', id: 'index' }, [h('thead', {}, [headRow]), tbody]), pager);
    const open = (ev) => {
      const tr = ev.target.closest('tr[data-i]');
      if (tr && (ev.type === 'click' || ev.key === 'Enter')) location.hash = '#/a/' + tr.getAttribute('data-i');
    };
    tbody.addEventListener('click', open);
    tbody.addEventListener('keydown', open);
  }

  function resetFilters() {
    Object.assign(state, { q: '', party: '', speaker: '', topic: '', status: '', dropped: false, page: 0 });
    for (const id of ['f-q', 'f-party', 'f-speaker', 'f-topic', 'f-status']) $(id).value = '';
    $('f-dropped').checked = false;
    refreshIndex();
  }

  function refreshIndex() {
    applyFilters();
    const pages = Math.max(1, Math.ceil(view.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    const start = state.page * PAGE;
    tbody.replaceChildren(...view.slice(start, start + PAGE).map((i) => {
      const r = ROWS[i];
      return h('tr', { 'data-i': i, tabindex: 0 }, [
        h('td', { text: r.date || '\u2014' }),
        h('td', { cls: 'id' }, [r.id, h('span', { cls: 'sub', text: r.sub })]),
        h('td', { cls: 'n', text: r.np }), h('td', { cls: 'n', text: r.nq }), h('td', { cls: 'n', text: r.nt }),
        h('td', { cls: 'n', text: r.na }), h('td', { cls: 'n' + (r.nw ? ' warn-n' : ''), text: r.nw }),
        h('td', { cls: 'n' + (r.nd ? ' warn-n' : ''), text: r.nd }),
      ]);
    }));
    for (const th of headRow.children) {
      const on = th.getAttribute('data-key') === state.sort;
      th.classList.toggle('sorted', on); th.classList.toggle('up', on && state.dir > 0);
    }
    counter.textContent = view.length === ROWS.length ? `${ROWS.length} articles`
      : `${view.length} of ${ROWS.length} articles match`;
    pager.replaceChildren(
      h('button', { type: 'button', text: '\u2039 Previous', disabled: state.page === 0, onclick: () => { state.page--; refreshIndex(); } }),
      h('span', { text: `page ${state.page + 1} of ${pages}` }),
      h('button', { type: 'button', text: 'Next \u203a', disabled: state.page >= pages - 1, onclick: () => { state.page++; refreshIndex(); } }),
    );
  }

  // ---- article view -------------------------------------------------------------------------
  function spanText(r, s) { return r.text != null ? r.text.slice(s[0], s[1]) : (s[2] || ''); }

  // Overlapping spans nest: each span is cut wherever an earlier-placed span (outer layer, or
  // earlier start) has a boundary strictly inside it, which leaves a laminar family of pieces.
  function pieces(r) {
    const all = [];
    const add = (kind, k, spans, extra) => (spans || []).forEach((s, part) => {
      const a = Math.max(0, s[0]), b = Math.min(r.text.length, s[1]);
      if (b > a) all.push({ kind, k, part, a, b, extra });
    });
    (r.quotes || []).forEach((q, k) => add('q', k, q.spans));
    (r.agreements || []).forEach((g, k) => add('a', k, g.evidence));
    (r.topics || []).forEach((t, k) => add('t', k, t.evidence));
    (r.parties || []).forEach((p, k) => add('p', k, p.mentions));
    all.sort((x, y) => PRIORITY[x.kind] - PRIORITY[y.kind] || x.a - y.a || (y.b - y.a) - (x.b - x.a));
    const bounds = [], out = [];
    all.forEach((span, order) => {
      const cuts = bounds.filter((c) => c > span.a && c < span.b).sort((x, y) => x - y);
      let from = span.a;
      for (const c of [...cuts, span.b]) {
        if (c > from) out.push({ ...span, a: from, b: c, head: from === span.a, order });
        from = c;
      }
      bounds.push(span.a, span.b);
    });
    return out.sort((x, y) => x.a - y.a || y.b - x.b || x.order - y.order);
  }

  function renderText(r, colours) {
    const text = r.text, root = h('div', { cls: 'article-text', id: 'article-text' });
    const stack = [{ b: Infinity, node: root }];
    let at = 0;
    const emit = (node, to) => { if (to > at) { node.append(text.slice(at, to)); at = to; } };
    for (const p of pieces(r)) {
      while (stack[stack.length - 1].b <= p.a) { const top = stack.pop(); emit(top.node, top.b); }
      const parent = stack[stack.length - 1];
      emit(parent.node, p.a);
      const b = Math.min(p.b, parent.b);
      const mark = h('mark', { cls: 'hl hl-' + p.kind, 'data-k': p.kind + p.k, 'data-head': p.head || null });
      if (p.kind === 'q') mark.style.setProperty('--c', colours.quote(r.quotes[p.k]));
      if (p.kind === 'a') mark.style.setProperty('--s', STATUS[r.agreements[p.k].status] || UNKNOWN);
      parent.node.append(mark);
      stack.push({ b, node: mark });
    }
    while (stack.length > 1) { const top = stack.pop(); emit(top.node, top.b); }
    emit(root, text.length);
    return root;
  }

  function speakerColours(r, byId) {
    const order = uniq((r.quotes || []).map((q) => q.speaker).filter((s) => s && byId[s]));
    const of = {};
    order.forEach((s, n) => { of[s] = PALETTE[n % PALETTE.length]; });
    return { order, of, quote: (q) => of[q.speaker] || UNKNOWN };
  }

  function item(kind, k, r, byId, opts) {
    const name = (id) => (byId[id] ? byId[id].name : id);
    const rows = [];
    const row = (key, value) => { if (value != null && value !== '' && !(Array.isArray(value) && !value.length)) rows.push(h('dt', { text: key }), h('dd', { text: Array.isArray(value) ? value.join(', ') : String(value) })); };
    let what, title;
    if (kind === 'q') {
      const q = r.quotes[k], sp = byId[q.speaker];
      what = 'Quote'; title = sp ? sp.name : 'unknown speaker';
      row('role', sp && sp.role); row('kind', q.kind); row('cue', q.cue); row('alignment', q.alignment);
      if (q.spans.length > 1) row('parts', q.spans.length);
      row('words', q.text.length > 220 ? q.text.slice(0, 219) + '\u2026' : q.text);
    } else if (kind === 'p') {
      const p = r.parties[k];
      what = 'Party ' + p.id; title = p.name;
      row('kind', label(p.kind)); row('role', p.role); row('for', p.affiliation && name(p.affiliation));
      row('country', p.country_code); row('aliases', p.aliases); row('involvement', p.involvement);
      row('mentions', (p.mentions || []).length);
    } else if (kind === 't') {
      const t = r.topics[k];
      what = 'Topic'; title = label(t.category); row('label', t.label);
    } else {
      const g = r.agreements[k];
      what = 'Agreement'; title = g.name;
      row('status', label(g.status)); row('kind', label(g.kind)); row('parties', (g.parties || []).map(name));
      row('scope', (g.scope || []).map(label)); row('modelled on', g.modeled_on);
    }
    return h('div', { cls: 'item' }, [h('div', { cls: 'what', text: what }), h('div', { cls: 'name', text: title }),
      rows.length ? h('dl', {}, rows) : null, opts && opts.hint ? h('div', { cls: 'muted', text: opts.hint }) : null]);
  }

  // Innermost first: what the pointer is on, then what encloses it.
  function itemsAt(target, container, r, byId) {
    const out = [];
    for (let e = target.closest('mark.hl'); e && container.contains(e); e = e.parentElement.closest('mark.hl')) {
      const key = e.getAttribute('data-k');
      out.push(item(key[0], Number(key.slice(1)), r, byId));
    }
    return out;
  }

  let tip;
  function showTip(nodes, x, y) {
    if (!tip) { tip = h('div', { cls: 'tip', id: 'tip', role: 'tooltip' }); document.body.append(tip); }
    tip.replaceChildren(...nodes);
    tip.hidden = false;
    const w = tip.offsetWidth, ht = tip.offsetHeight;
    tip.style.left = Math.max(8, Math.min(x + 14, innerWidth - w - 8)) + 'px';
    tip.style.top = (y + 18 + ht > innerHeight ? Math.max(8, y - ht - 12) : y + 18) + 'px';
  }
  function hideTip() { if (tip) tip.hidden = true; }

  function table(caption, headers, rows) {
    if (!rows.length) return h('div', {}, [h('h3', { text: caption }), h('p', { cls: 'muted', text: 'None.' })]);
    return h('div', {}, [h('h3', { text: `${caption} (${rows.length})` }),
      h('div', { cls: 'scroll' }, [h('table', {}, [h('thead', {}, [h('tr', {}, headers.map((t) => h('th', { text: t })))]), h('tbody', {}, rows)])])]);
  }
  const td = (v, cls) => h('td', { cls, text: v == null ? '' : Array.isArray(v) ? v.join(', ') : String(v) });
  const pick = (key, cells) => h('tr', { cls: 'pick', 'data-pick': key }, cells);
  const spansOf = (r, spans) => (spans || []).map((s) => `${s[0]}\u2013${s[1]}`).join(', ');

  function renderArticle(index) {
    const root = $('view-article'), r = ARTICLES[index];
    hideTip();
    if (!r) { root.replaceChildren(h('p', { text: 'No such article.' })); return; }
    const byId = partiesById(r), colours = speakerColours(r, byId);
    const name = (id) => (byId[id] ? byId[id].name : id || '');
    const order = view.includes(index) ? view : ROWS.map((x) => x.i);
    const at = order.indexOf(index);
    const go = (n) => { location.hash = '#/a/' + order[n]; };
    const a = r.article;

    const bar = h('div', { cls: 'bar' }, [
      h('button', { type: 'button', id: 'back', text: '\u2190 Index', onclick: () => { location.hash = '#/'; } }),
      h('span', { cls: 'grow' }),
      h('button', { type: 'button', id: 'prev', text: '\u2039 Previous', disabled: at <= 0, onclick: () => go(at - 1) }),
      h('span', { id: 'position', text: `${at + 1} of ${order.length}` }),
      h('button', { type: 'button', id: 'next', text: 'Next \u203a', disabled: at >= order.length - 1, onclick: () => go(at + 1) }),
    ]);
    const header = h('div', {}, [
      h('h2', { id: 'article-id', text: a.title || a.id }),
      h('p', { cls: 'meta-line', text: [a.title ? a.id : null, a.published || 'undated', a.dateline, `${a.length} characters`].filter(Boolean).join(' \u00b7 ') }),
      r.summary ? h('p', { cls: 'summary', text: r.summary }) : null,
    ]);

    const selected = h('div', { cls: 'box', id: 'selected' }, [h('h4', { text: 'Selected' }),
      h('p', { cls: 'muted', text: 'Hover over a highlight for its record item; click to keep it here.' })]);
    const textBox = h('div', { cls: 'text-wrap' });
    const layersBox = h('div', { cls: 'layers' }, LAYERS.map(([kind, title]) => h('label', {}, [
      h('input', { type: 'checkbox', checked: true, onchange: (ev) => textBox.classList.toggle('hide-' + kind, !ev.target.checked) }),
      ' ', h('span', { cls: 'sample', text: title }),
    ])));
    layersBox.querySelectorAll('.sample').forEach((e, n) => {
      const m = h('span', { cls: 'sample hl-' + LAYERS[n][0] });
      if (LAYERS[n][0] === 'q') m.style.setProperty('--c', PALETTE[0]);
      if (LAYERS[n][0] === 'a') m.style.setProperty('--s', STATUS.signed);
      e.replaceWith(m); m.append(LAYERS[n][1]);
    });
    const speakerLegend = h('div', { cls: 'legend', id: 'speaker-legend' }, colours.order.length
      ? colours.order.map((s) => { const sw = h('span', { cls: 'sw' }); sw.style.background = colours.of[s]; return h('div', { cls: 'key' }, [sw, byId[s].name]); })
      : [h('span', { cls: 'muted', text: 'No attributed quotes.' })]);
    const usedStatuses = uniq((r.agreements || []).map((g) => g.status));
    const statusLegend = h('div', { cls: 'legend' }, usedStatuses.map((s) => {
      const sw = h('span', { cls: 'sw' }); sw.style.background = STATUS[s] || UNKNOWN;
      return h('div', { cls: 'key' }, [sw, label(s)]);
    }));
    const hasText = r.text != null;
    const side = h('aside', { cls: 'side' }, [
      hasText ? selected : null,
      hasText ? h('div', { cls: 'box' }, [h('h4', { text: 'Layers' }), layersBox]) : null,
      h('div', { cls: 'box' }, [h('h4', { text: 'Quote colours: speakers' }), speakerLegend,
        usedStatuses.length ? h('h4', { text: 'Agreement evidence: status' }) : null, usedStatuses.length ? statusLegend : null]),
    ]);

    if (hasText) {
      const textEl = renderText(r, colours);
      textBox.append(textEl);
      textEl.addEventListener('mousemove', (ev) => {
        const items = itemsAt(ev.target, textEl, r, byId);
        if (items.length) showTip(items, ev.clientX, ev.clientY); else hideTip();
      });
      textEl.addEventListener('mouseleave', hideTip);
      textEl.addEventListener('click', (ev) => {
        const items = itemsAt(ev.target, textEl, r, byId);
        if (!items.length) return;
        textEl.querySelectorAll('.focus').forEach((e) => e.classList.remove('focus'));
        ev.target.closest('mark.hl').classList.add('focus');
        selected.replaceChildren(h('h4', { text: 'Selected' }), ...items);
      });
    } else {
      textBox.append(h('div', { cls: 'unavailable', id: 'text-unavailable' }, [
        h('strong', { text: 'Article text unavailable. ' }),
        `The tables below come from the record alone${r.text_note ? ' (' + r.text_note + ')' : ''}.`]));
    }

    const focusItem = (key) => {
      const marks = textBox.querySelectorAll(`mark[data-k="${key}"]`);
      textBox.querySelectorAll('.focus').forEach((e) => e.classList.remove('focus'));
      marks.forEach((m) => m.classList.add('focus'));
      selected.replaceChildren(h('h4', { text: 'Selected' }), item(key[0], Number(key.slice(1)), r, byId));
      if (marks.length) marks[0].scrollIntoView({ block: 'center', behavior: 'smooth' });
    };

    const warnings = (r.provenance.warnings || []);
    const warnPill = (w) => isDropped(w) ? h('span', { cls: 'pill dropped', text: 'dropped' })
      : /repair|added it|merged|fixed/i.test(w) ? h('span', { cls: 'pill repaired', text: 'repaired' }) : h('span', { cls: 'pill', text: 'note' });
    const pv = r.provenance, usage = pv.usage || {};
    const kv = (pairs) => h('table', { cls: 'kv' }, [h('tbody', {}, pairs.filter((p) => p[1] != null && p[1] !== '').map(([k, v]) => h('tr', {}, [h('th', { text: k }), td(v, 'mono')])))]);

    const tables = h('div', { cls: 'tables' }, [
      table('Quotes', ['#', 'Speaker', 'Kind', 'Cue', 'Alignment', 'Words', 'Offsets'], (r.quotes || []).map((q, k) => {
        const sw = h('span', { cls: 'sw' }); sw.style.background = colours.quote(q);
        return pick('q' + k, [td(k + 1), h('td', {}, [sw, ' ', q.speaker ? name(q.speaker) : 'unknown']), td(q.kind), td(q.cue),
          td(q.alignment), td((q.spans || []).map((s) => spanText(r, s)).join(' \u2026 '), 'quote'), td(spansOf(r, q.spans), 'mono')]);
      })),
      table('Parties', ['Id', 'Name', 'Kind', 'Role', 'For', 'Country', 'Aliases', 'Involvement', 'Mentions'], (r.parties || []).map((p, k) =>
        pick('p' + k, [td(p.id, 'mono'), td(p.name), td(label(p.kind)), td(p.role), td(p.affiliation && name(p.affiliation)),
          td(p.country_code), td(p.aliases), td(p.involvement), td((p.mentions || []).length, 'n')]))),
      table('Topics', ['Category', 'Label', 'Evidence'], (r.topics || []).map((t, k) =>
        pick('t' + k, [td(label(t.category)), td(t.label), td(t.evidence.map((s) => '\u201c' + spanText(r, s) + '\u201d').join(' '), 'quote')]))),
      table('Agreements', ['Name', 'Kind', 'Status', 'Parties', 'Scope', 'Modelled on', 'Evidence'], (r.agreements || []).map((g, k) => {
        const pill = h('span', { cls: 'pill status', text: label(g.status) }); pill.style.background = STATUS[g.status] || UNKNOWN;
        return pick('a' + k, [td(g.name), td(label(g.kind)), h('td', {}, [pill]), td((g.parties || []).map(name)),
          td((g.scope || []).map(label)), td(g.modeled_on), td(g.evidence.map((s) => '\u201c' + spanText(r, s) + '\u201d').join(' '), 'quote')]);
      })),
      h('h3', { text: `Warnings (${warnings.length})` }),
      warnings.length ? h('ul', { cls: 'warnings', id: 'warnings' }, warnings.map((w) => h('li', {}, [warnPill(w), ' ', w])))
        : h('p', { cls: 'muted', text: 'Nothing was dropped or repaired.' }),
      h('h3', { text: 'Provenance' }),
      kv([['backend', pv.backend], ['model', pv.model], ['mode', pv.mode], ['prompt version', pv.prompt_version],
        ['attempts', pv.attempts], ['tokens', `${usage.prompt_tokens || 0} prompt (${usage.cached_prompt_tokens || 0} cached) / ${usage.completion_tokens || 0} completion`],
        ['response cache', pv.cached ? 'hit' : 'miss'], ['extracted at', pv.extracted_at],
        ['article id', a.id], ['source', a.source], ['sha256', a.sha256], ['schema version', r.schema_version]]),
    ]);
    tables.addEventListener('click', (ev) => {
      const tr = ev.target.closest('tr[data-pick]');
      if (tr && r.text != null) focusItem(tr.getAttribute('data-pick'));
    });

    root.replaceChildren(bar, header, h('div', { cls: 'layout' }, [textBox, side]), tables);
    window.scrollTo(0, 0);
  }

  // ---- routing ------------------------------------------------------------------------------
  function route() {
    const m = /^#\/a\/(\d+)$/.exec(location.hash);
    const name = m ? 'article' : location.hash === '#/overview' ? 'overview' : 'index';
    for (const v of ['index', 'article', 'overview']) $('view-' + v).hidden = v !== name;
    $('tab-index').classList.toggle('on', name !== 'overview');
    $('tab-overview').classList.toggle('on', name === 'overview');
    if (m) renderArticle(Number(m[1]));
    else hideTip();
  }
  document.addEventListener('keydown', (ev) => {
    if ($('view-article').hidden || ev.target.closest('input, select, textarea')) return;
    const button = ev.key === 'ArrowLeft' ? $('prev') : ev.key === 'ArrowRight' ? $('next') : null;
    if (button && !button.disabled) button.click();
  });

  const totals = ROWS.reduce((t, r) => { t.q += r.nq; t.a += r.na; t.d += r.nd; return t; }, { q: 0, a: 0, d: 0 });
  $('stats').textContent = [`${ROWS.length} articles`, `${totals.q} quotes`, `${totals.a} agreements`,
    `${totals.d} dropped items`, META.text_missing ? `${META.text_missing} without text` : null,
    `generated ${META.generated}`].filter(Boolean).join(' \u00b7 ');
  if (META.bad_lines) {
    const n = $('notice');
    n.append(h('strong', { text: `${META.bad_lines} line${META.bad_lines > 1 ? 's' : ''} of ${META.records} skipped: not valid records.` }),
      h('ul', {}, META.bad_examples.map((e) => h('li', { text: e }))));
    n.hidden = false;
  }
  buildIndex();
  refreshIndex();
  window.addEventListener('hashchange', route);
  route();
})();
