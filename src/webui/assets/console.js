// The web console's own behaviour (served as a file: the Content-Security-Policy forbids inline
// script). Forms and buttons marked data-api-* call the REST API with the session's CSRF token:
// the API validates, checks rights and words the errors; this file only turns fields into JSON
// and shows the answer.
'use strict';

(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';

  /** '/api/servers/x' (a Location header) → the console page of that object. */
  function consolePage(location) {
    if (typeof location !== 'string' || !location.startsWith('/api/')) return undefined;
    return '/webui/' + location.slice('/api/'.length);
  }

  async function callApi(method, path, body) {
    const headers = { Accept: 'application/json', 'X-CSRF-Token': csrf };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data;
    const text = await res.text();
    try {
      data = text === '' ? undefined : JSON.parse(text);
    } catch {
      data = undefined;
    }
    return { ok: res.ok, status: res.status, data, location: res.headers.get('Location') };
  }

  function show(slot, kind, text) {
    if (!slot) {
      window.alert(text);
      return;
    }
    slot.textContent = '';
    const p = document.createElement('p');
    p.className = 'notice ' + kind;
    p.textContent = text;
    slot.appendChild(p);
    if (kind === 'error') slot.scrollIntoView({ block: 'nearest' });
  }

  function slotFor(el) {
    const form = el.closest('form');
    const own = form && form.querySelector(':scope > .notice-slot');
    if (own) return own;
    return document.querySelector('main .notice-slot');
  }

  function after(result, then, slot) {
    if (result.status === 401) {
      window.location.assign('/webui/login?next=' + encodeURIComponent(window.location.pathname));
      return;
    }
    if (!result.ok) {
      const message = result.data?.error?.message ?? 'the request failed (HTTP ' + result.status + ')';
      show(slot, 'error', message);
      return;
    }
    if (then === 'none') {
      show(slot, 'info', result.data?.message ?? 'Done.');
      return;
    }
    if (then === 'reload') {
      window.location.reload();
      return;
    }
    if (then === 'location') {
      const page = consolePage(result.location);
      if (page) window.location.assign(page);
      else window.location.reload();
      return;
    }
    window.location.assign(then);
  }

  /** The value of one field, by its data-type; undefined = leave the field out. */
  function fieldValue(el, initial) {
    const type = el.dataset.type;
    const raw = initial
      ? el.type === 'checkbox'
        ? el.defaultChecked
        : initialText(el)
      : el.type === 'checkbox'
        ? el.checked
        : el.value;
    switch (type) {
      case 'boolean':
        return Boolean(raw);
      case 'integer':
      case 'number':
        return raw === '' ? undefined : Number(raw);
      case 'lines':
        return raw
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== '');
      case 'json':
        if (raw.trim() === '') return undefined;
        try {
          return JSON.parse(raw);
        } catch (err) {
          throw new Error(labelOf(el) + ': not valid JSON (' + err.message + ')', { cause: err });
        }
      case 'datetime':
        return raw === '' ? undefined : new Date(raw).toISOString();
      default:
        return raw === '' ? undefined : raw;
    }
  }

  function initialText(el) {
    if (el.tagName === 'SELECT') {
      const opt = [...el.options].find((o) => o.defaultSelected);
      return opt ? opt.value : '';
    }
    return el.defaultValue;
  }

  function labelOf(el) {
    const label = el.id ? document.querySelector('label[for="' + el.id + '"]') : null;
    return label ? label.textContent.replace('*', '').trim() : el.name;
  }

  /** Sets obj[a][0][b] = v from the path 'a.0.b'. */
  function put(obj, path, value) {
    const keys = path.split('.');
    let cur = obj;
    keys.forEach((k, i) => {
      const last = i === keys.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(keys[i + 1]);
      if (last) cur[k] = value;
      else cur = cur[k] ??= nextIsIndex ? [] : {};
    });
  }

  function compact(v) {
    if (Array.isArray(v))
      return v
        .filter(
          (x) => x !== undefined && !(typeof x === 'object' && x !== null && Object.keys(x).length === 0),
        )
        .map(compact);
    return v;
  }

  /** The JSON body of a form: all fields (POST), or only those that changed (PATCH). */
  function formBody(form, method) {
    const now = {};
    const before = {};
    for (const el of form.querySelectorAll('[data-type]')) {
      if (!el.name || el.closest('template')) continue;
      if (!el.closest('[data-row][hidden]')) {
        const v = fieldValue(el, false);
        if (v !== undefined) put(now, el.name, v);
      }
      if (el.closest('[data-new-row]')) continue;
      const b = fieldValue(el, true);
      if (b !== undefined) put(before, el.name, b);
    }
    // Task rows without a type are empty rows, not tasks.
    for (const [k, v] of Object.entries(now)) {
      if (Array.isArray(v))
        now[k] = compact(v).filter(
          (row) => typeof row !== 'object' || row === null || !('args' in row) || 'type' in row,
        );
    }
    for (const list of form.querySelectorAll('[data-list]')) {
      const key = list.dataset.list;
      now[key] ??= [];
      before[key] = compact(before[key] ?? []);
    }
    if (method !== 'PATCH') return now;
    const changed = {};
    for (const key of new Set([...Object.keys(now), ...Object.keys(before)])) {
      if (JSON.stringify(now[key]) === JSON.stringify(before[key])) continue;
      // A password left empty is not changed; other cleared fields are sent empty.
      changed[key] =
        now[key] ?? (Array.isArray(before[key]) ? [] : typeof before[key] === 'boolean' ? false : '');
      if (/password/i.test(key) && now[key] === undefined) delete changed[key];
    }
    return changed;
  }

  document.addEventListener('submit', async (ev) => {
    const form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.apiMethod) return;
    ev.preventDefault();
    const slot = slotFor(form);
    const method = form.dataset.apiMethod;
    let path = form.dataset.apiPath;
    let body;
    try {
      if (form.dataset.apiQuery) {
        const el = form.elements.namedItem(form.dataset.apiQuery);
        const v = el ? fieldValue(el, false) : undefined;
        if (v === undefined) throw new Error(labelOf(el) + ': required');
        path += '?' + new URLSearchParams({ [form.dataset.apiQuery]: v }).toString();
      } else {
        body = formBody(form, method);
        if (method === 'PATCH' && Object.keys(body).length === 0) {
          show(slot, 'info', 'Nothing changed.');
          return;
        }
      }
    } catch (err) {
      show(slot, 'error', err.message);
      return;
    }
    const button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    try {
      after(await callApi(method, path, body), form.dataset.then, slot);
    } catch (err) {
      show(slot, 'error', 'the gateway did not answer: ' + err.message);
    } finally {
      if (button) button.disabled = false;
    }
  });

  document.addEventListener('click', async (ev) => {
    const target = ev.target instanceof Element ? ev.target : null;
    const button = target?.closest('button[data-api-method]');
    if (button) {
      if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
      button.disabled = true;
      try {
        after(
          await callApi(button.dataset.apiMethod, button.dataset.apiPath),
          button.dataset.then,
          slotFor(button),
        );
      } catch (err) {
        show(slotFor(button), 'error', 'the gateway did not answer: ' + err.message);
      } finally {
        button.disabled = false;
      }
      return;
    }
    const add = target?.closest('[data-add-row]');
    if (add) {
      const list = add.closest('[data-list]');
      const rows = list.querySelector('[data-rows]');
      const index = rows.querySelectorAll('[data-row]').length;
      const html = list.querySelector('template').innerHTML.replaceAll('__index__', String(index));
      const holder = document.createElement('div');
      holder.innerHTML = html;
      const row = holder.firstElementChild;
      row.setAttribute('data-new-row', '');
      const legend = row.querySelector('legend');
      if (legend) legend.textContent = legend.textContent.trim() + ' ' + (index + 1);
      rows.appendChild(row);
      row.querySelector('select, input, textarea')?.focus();
      return;
    }
    const remove = target?.closest('[data-remove-row]');
    if (remove) {
      const row = remove.closest('[data-row]');
      row.hidden = true;
      row.closest('[data-list]')?.querySelector('[data-add-row]')?.focus();
    }
  });

  // SSE: a finished transfer's page reloads to show its final record; an ended session logs in.
  document.addEventListener('htmx:sseMessage', (ev) => {
    const type = ev.detail?.type;
    if (type === 'ended' && ev.target.closest?.('[data-reload-on="ended"]')) window.location.reload();
    if (type === 'logout') window.location.assign('/webui/login');
  });
})();
