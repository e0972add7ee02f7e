// velahub docs: deep links into nested parameter tables, and the try-it form.
'use strict';
(function () {
  // Open the <details> around a deep-linked parameter row (#param-route.annotations) and show it.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (!id) return;
    var el = document.getElementById(id);
    if (!el) return;
    for (var p = el.parentElement; p; p = p.parentElement) if (p.tagName === 'DETAILS') p.open = true;
    var old = document.querySelectorAll('.target');
    for (var i = 0; i < old.length; i++) old[i].classList.remove('target');
    el.classList.add('target');
    el.scrollIntoView({ block: 'center' });
  }
  window.addEventListener('hashchange', reveal);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', reveal);
  else reveal();

  var form = document.getElementById('tryit');
  if (!form) return;
  var root = form.querySelector('[data-root]');
  var output = document.getElementById('tryit-output');
  var status = document.getElementById('tryit-status');
  var alertBox = document.getElementById('tryit-errors');
  var request = document.getElementById('tryit-request');
  var seq = 0;

  function fieldsOf(container) {
    var out = [];
    for (var i = 0; i < container.children.length; i++) if (container.children[i].hasAttribute('data-key')) out.push(container.children[i]);
    return out;
  }
  function own(el, selector) {
    for (var i = 0; i < el.children.length; i++) if (el.children[i].matches(selector)) return el.children[i];
    return null;
  }
  function scalar(raw, type) {
    if (type === 'integer' && /^-?\d+$/.test(raw)) return Number(raw);
    if (type === 'number' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw)) return Number(raw);
    if (type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
    return raw;
  }
  function readObject(container, path, index, local) {
    var obj = {};
    var any = false;
    fieldsOf(container).forEach(function (field) {
      var key = field.getAttribute('data-key');
      var p = path ? path + '.' + key : key;
      index[p] = field;
      var v = readField(field, p, index, local);
      if (v !== undefined) { obj[key] = v; any = true; }
    });
    return any ? obj : undefined;
  }
  function readField(field, path, index, local) {
    var kind = field.getAttribute('data-kind');
    var required = field.hasAttribute('data-required');
    var type = field.getAttribute('data-type');
    if (kind === 'scalar') {
      var control = field.querySelector('input, select');
      if (control.value === '') return undefined;
      if (control.tagName === 'SELECT') return JSON.parse(control.value);
      return scalar(control.value, type);
    }
    if (kind === 'lines' || kind === 'map' || kind === 'json') {
      var text = field.querySelector('textarea').value;
      if (text.trim() === '') return undefined;
      if (kind === 'json') {
        try { return JSON.parse(text); } catch (e) { local.push({ field: path, message: 'not valid JSON: ' + e.message }); return undefined; }
      }
      var lines = text.split('\n').map(function (l) { return l.trim(); }).filter(Boolean);
      if (kind === 'lines') return lines.map(function (l) { return scalar(l, type); });
      var map = {};
      lines.forEach(function (l) {
        var m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(l);
        if (!m) local.push({ field: path, message: 'write one key=value per line, got "' + l + '"' });
        else map[m[1]] = scalar(m[2], type);
      });
      return map;
    }
    if (kind === 'object') {
      var o = readObject(field, path, index, local);
      return o === undefined && required ? {} : o;
    }
    if (kind === 'list') {
      var ol = own(field, 'ol');
      var items = [];
      for (var i = 0; i < ol.children.length; i++) {
        var li = ol.children[i];
        index[path + '[' + i + ']'] = li;
        items.push(readObject(li, path + '[' + i + ']', index, local) || {});
      }
      return items.length || required ? items : undefined;
    }
    return undefined;
  }
  function clearErrors() {
    var errs = form.querySelectorAll('.err');
    for (var i = 0; i < errs.length; i++) { errs[i].hidden = true; errs[i].textContent = ''; }
    var bad = form.querySelectorAll('[aria-invalid]');
    for (var j = 0; j < bad.length; j++) bad[j].removeAttribute('aria-invalid');
    alertBox.hidden = true;
    alertBox.textContent = '';
  }
  // Puts a problem next to the field it names, or the nearest enclosing field; returns false when none is shown.
  function place(problem, index) {
    var path = problem.field || '';
    while (path && !index[path]) {
      var m = /^(.*?)(\.[^.[\]]+|\[\d+\])$/.exec(path);
      path = m ? m[1] : '';
    }
    var field = path && index[path];
    if (!field) return false;
    var err = own(field, '.err');
    if (!err) { err = document.createElement('p'); err.className = 'err'; field.appendChild(err); }
    err.hidden = false;
    err.id = err.id || 'err-' + (++seq);
    err.textContent = (err.textContent ? err.textContent + ' ' : '') + problem.message;
    var control = field.querySelector('input, select, textarea') || field;
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-describedby', err.id);
    return control;
  }
  function showProblems(message, problems, index) {
    var first = null;
    var unplaced = [];
    problems.forEach(function (p) {
      var c = place(p, index);
      if (c) first = first || c; else unplaced.push(p.message);
    });
    alertBox.hidden = false;
    var head = document.createElement('p');
    head.textContent = message;
    alertBox.appendChild(head);
    if (unplaced.length) {
      var ul = document.createElement('ul');
      unplaced.forEach(function (m) { var li = document.createElement('li'); li.textContent = m; ul.appendChild(li); });
      alertBox.appendChild(ul);
    }
    if (first && first.focus) first.focus();
  }

  form.addEventListener('click', function (ev) {
    var btn = ev.target.closest('button[data-action]');
    if (!btn) return;
    var list = btn.closest('[data-kind=list]');
    if (btn.getAttribute('data-action') === 'add') {
      var tpl = own(list, 'template');
      var ol = own(list, 'ol');
      ol.appendChild(tpl.content.cloneNode(true));
      renumber(ol);
      var input = ol.lastElementChild.querySelector('input, select, textarea');
      if (input) input.focus();
    } else if (btn.getAttribute('data-action') === 'remove') {
      var item = btn.closest('li.item');
      var parent = item.parentElement;
      item.remove();
      renumber(parent);
      own(list, 'button[data-action=add]').focus();
    }
  });
  function renumber(ol) {
    for (var i = 0; i < ol.children.length; i++) {
      var n = ol.children[i].querySelector('.item-head .n');
      if (n) n.textContent = String(i);
    }
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    clearErrors();
    var index = {};
    var local = [];
    var parameters = readObject(root, '', index, local) || {};
    if (local.length) { showProblems(local.length + ' field(s) could not be read', local, index); return; }
    var context = {};
    ['name', 'namespace', 'clusterVersion'].forEach(function (k) {
      var el = form.querySelector('[data-context=' + k + ']');
      if (el && el.value.trim()) context[k] = el.value.trim();
    });
    var body = JSON.stringify({ parameters: parameters, context: context });
    if (request) request.textContent = "curl -X POST -H 'Content-Type: application/json' " + location.origin + form.getAttribute('data-endpoint') + " -d '" + body.replace(/'/g, "'\\''") + "'";
    status.textContent = 'Rendering…';
    var button = form.querySelector('button[type=submit]');
    button.disabled = true;
    fetch(form.getAttribute('data-endpoint'), { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: body })
      .then(function (res) {
        return res.json().then(function (data) { return { res: res, data: data }; });
      })
      .then(function (r) {
        var data = r.data;
        if (r.res.ok) {
          var text = data.yaml || '# (no objects)\n';
          if (data.patchYaml) text += '---\n# patch (applied to the workload by KubeVela; not merged here)\n' + data.patchYaml;
          output.textContent = text;
          output.hidden = false;
          status.textContent = 'Rendered ' + data.objects.length + ' object(s): ' + data.objects.map(function (o) { return o.kind; }).join(', ') + (data.patch ? ' and a patch' : '') + ' · cache ' + (r.res.headers.get('X-Render-Cache') || 'miss');
        } else {
          output.hidden = true;
          var msg = data.error || 'render failed';
          if (r.res.status === 429) msg += ' (retry after ' + (r.res.headers.get('Retry-After') || 'a few') + ' s)';
          if (data.hint && !(data.problems || []).length) msg += ' — ' + data.hint;
          status.textContent = 'Not rendered (' + r.res.status + ')';
          showProblems(msg, data.problems || [], index);
        }
      })
      .catch(function (e) {
        status.textContent = 'Not rendered';
        showProblems('the request failed: ' + e.message, [], index);
      })
      .finally(function () { button.disabled = false; });
  });
})();
