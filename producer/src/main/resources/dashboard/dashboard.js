// Storage Builder dashboard: plain JS over the producer's /api. Runs and targets are polled every
// 1.5 s, the DLQ's counts every 10 s; each poll waits for the previous one to finish.
'use strict';

const POLL_MS = 1500;
// Counting the DLQ walks it: the producer holds every message invisible until the walk ends (at
// least its 1 s scan wait, longer on a big DLQ). Counted at the runs' pace, an open dashboard kept
// the DLQ hidden most of the time and queued dry runs and redrives behind its walks.
const DLQ_POLL_MS = 10000;
const TOKEN_KEY = 'storage-builder-token';
const $ = (id) => document.getElementById(id);
let selectedRun = null;
let dryRunFilter = null;

function token() {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) {
    localStorage.setItem(TOKEN_KEY, fromUrl);
    // Keep the token out of the address bar, history and screenshots.
    const url = new URL(location.href);
    url.searchParams.delete('token');
    history.replaceState(null, '', url);
  }
  return localStorage.getItem(TOKEN_KEY);
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { 'Authorization': 'Bearer ' + token(), 'Content-Type': 'application/json', ...(options.headers || {}) },
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) {
    showTokenForm('The token was refused: ' + (body.error || 'unauthorized'));
    throw new Error('unauthorized');
  }
  if (!response.ok) {
    throw new Error(body.error || response.statusText);
  }
  return body;
}

function text(value) {
  return value === null || value === undefined ? '' : String(value);
}

function cell(row, value, className) {
  const td = document.createElement('td');
  td.textContent = text(value);
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function progressBar(run) {
  const c = run.counts;
  const total = Math.max(1, run.total);
  const bar = document.createElement('span');
  bar.className = 'bar';
  bar.title = `${c.succeeded} succeeded, ${c.deadLettered} dead-lettered, ${c.running} running, ${c.failed} retrying, ${c.queued} queued` +
    (c.notSent ? `, ${c.notSent} not sent (the producer stopped while enqueueing)` : '');
  const ok = document.createElement('span');
  ok.className = 'ok';
  ok.style.width = (100 * c.succeeded / total) + '%';
  const dead = document.createElement('span');
  dead.className = 'dead';
  dead.style.left = ok.style.width;
  dead.style.width = (100 * c.deadLettered / total) + '%';
  bar.append(ok, dead);
  const wrap = document.createElement('span');
  wrap.append(bar, ` ${c.succeeded + c.deadLettered}/${run.total}`);
  if (c.deadLettered + c.failed > 0) wrap.append(` (${c.deadLettered} dead, ${c.failed} retrying)`);
  if (c.notSent > 0) wrap.append(` (${c.notSent} not sent)`);
  return wrap;
}

async function refreshRuns() {
  const page = await api('/api/runs?limit=20');
  const body = $('runs').tBodies[0];
  body.replaceChildren();
  for (const run of page.runs) {
    const row = body.insertRow();
    row.className = 'clickable' + (run.runId === selectedRun ? ' selected' : '');
    row.dataset.runId = run.runId;
    row.dataset.state = run.state;
    cell(row, run.runId);
    cell(row, run.state, 'state-' + run.state);
    cell(row, '').appendChild(progressBar(run));
    cell(row, run.rows.toLocaleString());
    cell(row, run.etaSeconds === null ? '' : run.etaSeconds + ' s');
    cell(row, run.requestedAt);
    row.addEventListener('click', () => selectRun(run.runId));
  }
  if (!selectedRun && page.runs.length > 0) selectRun(page.runs[0].runId);
}

function selectRun(runId) {
  selectedRun = runId;
  $('run-section').hidden = false;
  $('run-id').textContent = runId;
  refreshTargets().catch(showError);
}

let targetsRequest = 0;

async function refreshTargets() {
  if (!selectedRun) return;
  const request = ++targetsRequest;
  const state = $('state-filter').value;
  const list = await api(`/api/runs/${encodeURIComponent(selectedRun)}/targets` + (state ? `?state=${state}` : ''));
  // Answers can arrive out of order: a poll sent before a filter change must not replace the newer list.
  if (request !== targetsRequest) return;
  const body = $('targets').tBodies[0];
  body.replaceChildren();
  for (const t of list.targets) {
    const row = body.insertRow();
    row.className = 'clickable';
    row.dataset.state = t.state;
    cell(row, t.clientId);
    cell(row, t.target);
    cell(row, t.state, 'state-' + t.state);
    cell(row, t.attempts);
    cell(row, t.rows.toLocaleString());
    cell(row, t.bytes.toLocaleString());
    cell(row, (t.durationMillis / 1000).toFixed(1));
    cell(row, t.versionSequence || '');
    cell(row, t.workerId);
    cell(row, t.lastError, 'error');
    row.addEventListener('click', () => showTarget(t.clientId, t.target));
  }
}

async function refreshDlq() {
  const stats = await api('/api/dlq/stats');
  const partly = stats.complete === false ? `; by reason for the first ${stats.scanned} only` : '';
  $('dlq-total').textContent = `(${stats.approximateNumberOfMessages} waiting, counted ${new Date().toLocaleTimeString()}${partly})`;
  const body = $('dlq-reasons').tBodies[0];
  body.replaceChildren();
  for (const [reason, count] of Object.entries(stats.byReason || {})) {
    const row = body.insertRow();
    row.dataset.reason = reason;
    cell(row, reason);
    cell(row, count);
    const pick = document.createElement('button');
    pick.type = 'button';
    pick.textContent = 'select';
    pick.addEventListener('click', () => { $('redrive-reason').value = reason; resetRedrive(); });
    cell(row, '').appendChild(pick);
  }
}

function redriveFilter() {
  const filter = {};
  if ($('redrive-reason').value.trim()) filter.reason = $('redrive-reason').value.trim();
  if ($('redrive-client').value.trim()) filter.clientId = $('redrive-client').value.trim();
  return Object.keys(filter).length ? filter : null;
}

function resetRedrive() {
  dryRunFilter = null;
  $('redrive-now').disabled = true;
}

function summarize(result) {
  if (result.taskHandle) return `moving everything back (task ${result.taskHandle}, ~${result.approximateNumberOfMessages} messages)`;
  const lines = [`${result.dryRun ? 'dry run: would move' : 'moved'} ${result.dryRun ? result.matched : result.moved} of ${result.matched} matched (scanned ${result.scanned})`];
  if (result.complete === false) {
    lines.push('the walk did not reach the end of the DLQ (its scan limit, or a minute of receiving):'
      + ' what it did not reach is left as it is; run it again for the rest');
  }
  for (const m of result.messages.slice(0, 20)) {
    lines.push(`  ${m.outcome}  ${text(m.clientId)}/${text(m.target)}  ${text(m.reason)}  ${text(m.detail)}`);
  }
  return lines.join('\n');
}

async function dryRun() {
  const filter = redriveFilter();
  const result = await api('/api/dlq/redrive', { method: 'POST', body: JSON.stringify({ dryRun: true, filter }) });
  $('redrive-result').textContent = summarize(result);
  dryRunFilter = JSON.stringify(filter);
  $('redrive-now').disabled = result.matched === 0;
}

async function redriveNow() {
  const filter = redriveFilter();
  if (JSON.stringify(filter) !== dryRunFilter) {
    $('redrive-result').textContent = 'The filter changed since the dry run: run it again first.';
    resetRedrive();
    return;
  }
  if (!confirm('Move the matched messages back to the work queue?')) return;
  const result = await api('/api/dlq/redrive', { method: 'POST', body: JSON.stringify({ dryRun: false, filter }) });
  $('redrive-result').textContent = summarize(result);
  resetRedrive();
  pollDlq();
}

async function showTarget(client, target) {
  $('target-client').value = client;
  $('target-name').value = target;
  const box = $('target-details');
  try {
    const t = await api(`/api/targets/${encodeURIComponent(client)}/${encodeURIComponent(target)}`);
    const table = document.createElement('table');
    table.innerHTML = '<thead><tr><th>Version</th><th>Committed</th><th>Rows</th><th>Chain</th><th>Watermark</th><th>Run</th><th>Manifest</th></tr></thead><tbody></tbody>';
    for (const v of t.history) {
      const row = table.tBodies[0].insertRow();
      [v.sequence, v.committedAt, v.rowCount.toLocaleString(), v.chainLength, v.watermark, v.runId, v.manifestKey].forEach((x) => cell(row, x));
    }
    const title = document.createElement('p');
    title.textContent = `${t.clientId}/${t.target}: version ${t.sequence}, chain ${t.chainLength}, manifest ${t.manifestKey}`;
    box.replaceChildren(title, table);
  } catch (e) {
    box.textContent = e.message;
  }
}

function showError(e) {
  if (e.message !== 'unauthorized') $('status').textContent = 'error: ' + e.message;
}

function showTokenForm(message) {
  $('app').hidden = true;
  $('token-form').hidden = false;
  $('status').textContent = message || 'enter an API token';
}

async function tick() {
  // A tab nobody looks at asks for nothing: each poll reads every listed run's entries, and a DLQ
  // count holds the DLQ. Polling resumes when the tab is shown again.
  if (document.hidden) return;
  if (!token()) { showTokenForm(); return; }
  try {
    await refreshRuns();
    await refreshTargets();
    $('app').hidden = false;
    $('token-form').hidden = true;
    $('status').textContent = 'live · updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    showError(e);
  }
}

async function tickDlq() {
  if (document.hidden || !token()) return;
  try {
    await refreshDlq();
  } catch (e) {
    // Shown in its section: the runs' next poll rewrites the status line within 1.5 s.
    if (e.message !== 'unauthorized') $('dlq-total').textContent = '(not counted: ' + e.message + ')';
  }
}

/**
 * Runs task now and then again intervalMs after each run has finished, never two at once: a
 * setInterval started a poll every interval whether or not the last had answered, so slow answers
 * (a DLQ walk) piled up in the browser and on the producer. Calling the returned function polls
 * now, or right after the poll under way.
 */
function poller(task, intervalMs) {
  let timer = null;
  let running = false;
  let again = false;
  const run = async () => {
    clearTimeout(timer);
    if (running) { again = true; return; }
    running = true;
    try {
      await task();
    } finally {
      running = false;
      timer = setTimeout(run, again ? 0 : intervalMs);
      again = false;
    }
  };
  return run;
}

const pollRuns = poller(tick, POLL_MS);
const pollDlq = poller(tickDlq, DLQ_POLL_MS);

$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  localStorage.setItem(TOKEN_KEY, $('token-input').value.trim());
  pollRuns();
  pollDlq();
});
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) { pollRuns(); pollDlq(); }
});
$('forget-token').addEventListener('click', () => { localStorage.removeItem(TOKEN_KEY); showTokenForm(); });
$('state-filter').addEventListener('change', () => refreshTargets().catch(showError));
$('dry-run').addEventListener('click', () => dryRun().catch((e) => { $('redrive-result').textContent = e.message; }));
$('redrive-now').addEventListener('click', () => redriveNow().catch((e) => { $('redrive-result').textContent = e.message; }));
$('redrive-reason').addEventListener('input', resetRedrive);
$('redrive-client').addEventListener('input', resetRedrive);
$('target-form').addEventListener('submit', (e) => { e.preventDefault(); showTarget($('target-client').value.trim(), $('target-name').value.trim()); });

pollRuns();
pollDlq();
