/*
 * The Pulse dashboard: a single page that polls the resource manager's REST API (SPEC 7, 14).
 *
 * Views (location hash): #/overview, #/taskexecutors, #/te/<id>, #/heartbeats, #/jobs, #/events. Each view
 * builds its DOM once and refreshes it from a poll every second (two for the charts); only the open view polls,
 * plus one follower of /v1/events that keeps the newest events for the timeline and for task executors that
 * were lost (a lost task executor leaves the registry, so the event is what the page can show of it).
 *
 * Security: when the API answers 401, a login box asks for the token, which is kept in sessionStorage (this
 * tab only) and sent as "Authorization: Bearer" with every fetch. All text from the server goes into the DOM
 * as text, never as HTML. States are shown as the API names them, known or not.
 */
'use strict';

const TOKEN_KEY = 'pulse.token';
const POLL_MS = 1000;
const CHART_POLL_MS = 2000;
const PAGE_SIZE = 100;
const EVENTS_KEPT = 5000;
const LOST_SHOWN_MS = 10 * 60 * 1000;

// ------------------------------------------------------------------ fetching

class Unauthorized extends Error {}

async function api(path) {
  const headers = {'Accept': 'application/json'};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) {
    headers['Authorization'] = 'Bearer ' + token;
  }
  const response = await fetch(path, {headers: headers, cache: 'no-store'});
  if (response.status === 401) {
    throw new Unauthorized((await response.json()).error);
  }
  if (response.status === 404) {
    return null;
  }
  if (!response.ok) {
    let message = response.status + ' ' + response.statusText;
    try {
      message = (await response.json()).error || message;
    } catch (ignored) {
      // not JSON: keep the status line
    }
    throw new Error(path + ': ' + message);
  }
  return response.json();
}

function showStatus(text, isError) {
  const status = document.getElementById('status');
  status.textContent = text;
  status.classList.toggle('error', !!isError);
}

function handleFailure(failure) {
  if (failure instanceof Unauthorized) {
    askForToken(sessionStorage.getItem(TOKEN_KEY) ? 'The token was refused: ' + failure.message : '');
  } else {
    showStatus('cannot reach the resource manager: ' + failure.message, true);
  }
}

function askForToken(message) {
  document.getElementById('login').hidden = false;
  document.getElementById('login-error').textContent = message || '';
  document.getElementById('login-token').focus();
}

// ------------------------------------------------------------------ DOM helpers

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === 'class') {
      node.className = value;
    } else if (name.startsWith('on')) {
      node.addEventListener(name.substring(2), value);
    } else if (value != null) {
      node.setAttribute(name, value);
    }
  }
  for (const child of children) {
    if (child != null) {
      node.append(child instanceof Node ? child : String(child));
    }
  }
  return node;
}

function badge(state) {
  return el('span', {'class': 'badge ' + String(state).replace(/[^A-Za-z0-9_-]/g, '')}, state);
}

function card(label, value, id) {
  return el('div', {'class': 'card'}, el('div', {'class': 'label'}, label),
      el('div', {'class': 'value', id: id}, value));
}

function time(ms) {
  return ms ? new Date(ms).toLocaleTimeString() : '';
}

function duration(ms) {
  if (ms < 1000) {
    return Math.max(0, Math.round(ms)) + ' ms';
  }
  if (ms < 60000) {
    return (ms / 1000).toFixed(1) + ' s';
  }
  return Math.round(ms / 60000) + ' min';
}

function fields(object) {
  const list = el('dl', {'class': 'fields'});
  for (const [name, value] of Object.entries(object)) {
    list.append(el('dt', null, name), el('dd', {'data-field': name},
        value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value)));
  }
  return list;
}

function teLink(id) {
  return id ? el('a', {href: '#/te/' + encodeURIComponent(id)}, id) : '';
}

// ------------------------------------------------------------------ the event follower

/** Follows /v1/events from the first one on; keeps the newest EVENTS_KEPT. */
const events = {
  list: [],
  after: 0,
  busy: false,

  async poll() {
    if (this.busy) {
      return;
    }
    this.busy = true;
    try {
      for (let pages = 0; pages < 20; pages++) {
        const page = await api('/v1/events?after=' + this.after);
        const got = page ? page.events : [];
        if (got.length && got[0].seq <= this.after) {
          break;
        }
        for (const e of got) {
          this.list.push(e);
          this.after = e.seq;
        }
        if (got.length < 1000) {
          break;
        }
      }
      if (this.list.length > EVENTS_KEPT) {
        this.list.splice(0, this.list.length - EVENTS_KEPT);
      }
    } finally {
      this.busy = false;
    }
  },

  /** TASK_EXECUTOR_LOST events of the last ten minutes whose task executor did not register again, newest first. */
  recentlyLost(now) {
    const latest = new Map();
    for (const e of this.list) {
      if (e.taskExecutorId && (e.type === 'TASK_EXECUTOR_LOST' || e.type === 'TASK_EXECUTOR_REGISTERED')) {
        latest.set(e.taskExecutorId, e);
      }
    }
    return [...latest.values()]
        .filter(e => e.type === 'TASK_EXECUTOR_LOST' && now - e.time < LOST_SHOWN_MS)
        .sort((a, b) => b.seq - a.seq);
  },
};

function eventRow(e) {
  return el('tr', {'data-seq': e.seq, 'data-type': e.type},
      el('td', {'class': 'num'}, e.seq), el('td', null, time(e.time)), el('td', null, e.type),
      el('td', null, teLink(e.taskExecutorId)), el('td', null, e.jobId || ''), el('td', null, e.allocationId || ''),
      el('td', null, e.reason || ''), el('td', {'class': 'num'}, e.slotsReleased || ''),
      el('td', null, e.detail || ''));
}

function eventTable(id) {
  return el('table', {id: id}, el('thead', null, el('tr', null, ...['seq', 'time', 'type', 'task executor', 'job',
      'allocation', 'reason', 'slots released', 'detail'].map(h => el('th', null, h)))), el('tbody'));
}

// ------------------------------------------------------------------ views

const views = {};

views.overview = {
  render(root) {
    root.append(el('h1', null, 'Overview'), el('div', {'class': 'cards', id: 'overview-cards'}),
        el('h2', null, 'Task executors by state'), el('div', {'class': 'cards', id: 'state-cards'}),
        el('h2', null, 'Newest events'), eventTable('overview-events'));
  },
  async refresh() {
    const [overview, page, summary] = await Promise.all([api('/v1/overview'),
      api('/v1/taskexecutors?limit=0'), api('/v1/heartbeats/summary')]);
    const cards = [card('resource manager', overview.resourceManagerId), card('epoch', overview.epoch),
      card('task executors registered', overview.taskExecutors, 'overview-registered'),
      card('slots free / total', overview.slotsFree + ' / ' + overview.slotsTotal),
      card('local pauses (5 min)', summary.steps.reduce((sum, s) => sum + s.localPauses, 0)),
      card('heartbeat interval / timeout', duration(summary.intervalMillis) + ' / ' + duration(summary.timeoutMillis))];
    // Whatever else the overview carries (a guard's state, a role), shown as it comes.
    const known = ['resourceManagerId', 'epoch', 'taskExecutors', 'slotsTotal', 'slotsFree'];
    for (const [name, value] of Object.entries(overview)) {
      if (!known.includes(name)) {
        cards.push(card(name, value !== null && typeof value === 'object' ? JSON.stringify(value) : value));
      }
    }
    document.getElementById('overview-cards').replaceChildren(...cards);
    const states = Object.entries(page.states).map(([state, n]) => card(state, n, 'state-' + state));
    states.push(card('LOST (10 min)', events.recentlyLost(page.now).length, 'state-LOST'));
    document.getElementById('state-cards').replaceChildren(...states);
    const newest = events.list.slice(-15).reverse();
    document.querySelector('#overview-events tbody').replaceChildren(...newest.map(eventRow));
  },
};

const COLUMNS = [
  {key: 'id', label: 'id'}, {key: 'state', label: 'state'}, {key: 'instanceId', label: 'instance'},
  {key: 'address', label: 'address'}, {key: 'lastHeartbeat', label: 'last heartbeat'},
  {key: 'consecutiveFailedRpcs', label: 'failed RPCs'}, {key: 'slotsFree', label: 'slots free / total'},
];

views.taskexecutors = {
  sort: 'id',
  offset: 0,
  filter: '',
  state: '',
  timeout: 0,

  render(root) {
    const filter = el('input', {id: 'te-filter', type: 'search', placeholder: 'filter: id, instance, address, state',
      size: 36, value: this.filter});
    filter.addEventListener('input', () => {
      this.filter = filter.value;
      this.offset = 0;
      this.refreshSoon();
    });
    const state = el('select', {id: 'te-state'}, el('option', {value: ''}, 'every state'));
    state.addEventListener('change', () => {
      this.state = state.value;
      this.offset = 0;
      this.refreshSoon();
    });
    const previous = el('button', {id: 'te-previous', type: 'button'}, '\u2039 previous');
    const next = el('button', {id: 'te-next', type: 'button'}, 'next \u203A');
    previous.addEventListener('click', () => {
      this.offset = Math.max(0, this.offset - PAGE_SIZE);
      this.refreshSoon();
    });
    next.addEventListener('click', () => {
      this.offset += PAGE_SIZE;
      this.refreshSoon();
    });
    const head = el('tr', null, ...COLUMNS.map(c => {
      const th = el('th', {'class': 'sortable', 'data-sort': c.key}, c.label);
      th.addEventListener('click', () => {
        this.sort = this.sort === c.key ? '-' + c.key : c.key;
        this.refreshSoon();
      });
      return th;
    }));
    root.append(el('h1', null, 'Task executors'),
        el('div', {'class': 'toolbar'}, filter, state, previous, next, el('span', {id: 'te-count', 'class': 'muted'})),
        el('table', {id: 'te-table'}, el('thead', null, head), el('tbody')),
        el('h2', null, 'Lost in the last 10 minutes'),
        el('table', {id: 'lost-table'}, el('thead', null, el('tr', null, ...['id', 'state', 'reason', 'lost at',
          'detail'].map(h => el('th', null, h)))), el('tbody')));
    this.ticker = setInterval(() => this.tick(), 250);
  },

  stop() {
    clearInterval(this.ticker);
  },

  refreshSoon() {
    refreshNow();
  },

  async refresh() {
    const query = '/v1/taskexecutors?offset=' + this.offset + '&limit=' + PAGE_SIZE + '&sort='
        + encodeURIComponent(this.sort) + (this.filter ? '&filter=' + encodeURIComponent(this.filter) : '')
        + (this.state ? '&state=' + encodeURIComponent(this.state) : '');
    const [page, summary] = await Promise.all([api(query),
      this.timeout ? Promise.resolve(null) : api('/v1/heartbeats/summary')]);
    if (summary) {
      this.timeout = summary.timeoutMillis;
    }
    if (page.offset >= page.matched && page.matched > 0 && this.offset > 0) {
      this.offset = Math.max(0, Math.floor((page.matched - 1) / PAGE_SIZE) * PAGE_SIZE);
    }
    // Age is measured on the server's clock, then moved on by the browser's monotonic clock between polls.
    this.serverNow = page.now;
    this.fetchedAt = performance.now();
    const rows = page.taskExecutors.map(te => el('tr', {'data-id': te.id, 'data-state': te.state},
        el('td', null, teLink(te.id)), el('td', null, badge(te.state)),
        el('td', {title: te.instanceId || ''}, (te.instanceId || '').substring(0, 8)), el('td', null, te.address),
        el('td', null, el('div', {'class': 'age', 'data-last': te.lastHeartbeat},
            el('div', {'class': 'bar'}, el('span')), el('span', {'class': 'text'}))),
        el('td', {'class': 'num'}, te.consecutiveFailedRpcs),
        el('td', {'class': 'num'}, te.slotsFree + ' / ' + te.slotsTotal)));
    document.querySelector('#te-table tbody').replaceChildren(...rows);
    const last = page.offset + page.taskExecutors.length;
    document.getElementById('te-count').textContent = (page.matched ? (page.offset + 1) + '\u2013' + last : '0')
        + ' of ' + page.matched + (page.matched === page.total ? '' : ' matching (' + page.total + ' in all)');
    document.getElementById('te-previous').disabled = page.offset === 0;
    document.getElementById('te-next').disabled = last >= page.matched;
    document.querySelectorAll('#te-table th').forEach(th => {
      th.classList.toggle('sorted-asc', th.dataset.sort === this.sort);
      th.classList.toggle('sorted-desc', '-' + th.dataset.sort === this.sort);
    });
    const select = document.getElementById('te-state');
    const states = Object.keys(page.states);
    if (this.state && !states.includes(this.state)) {
      states.push(this.state);
    }
    const current = [...select.options].slice(1).map(o => o.value);
    if (current.join() !== states.join()) {
      select.replaceChildren(el('option', {value: ''}, 'every state'),
          ...states.map(s => el('option', {value: s}, s)));
      select.value = this.state;
    }
    const lost = events.recentlyLost(page.now).slice(0, 200).map(e => el('tr', {'data-id': e.taskExecutorId,
      'data-state': 'LOST'}, el('td', null, teLink(e.taskExecutorId)), el('td', null, badge('LOST')),
    el('td', {'class': 'reason'}, e.reason || ''), el('td', null, time(e.time)), el('td', null, e.detail || '')));
    document.querySelector('#lost-table tbody').replaceChildren(...lost);
    this.tick();
  },

  /** Moves the heartbeat-age bars on, four times a second, without asking the server. */
  tick() {
    if (!this.fetchedAt || !this.timeout) {
      return;
    }
    const now = this.serverNow + (performance.now() - this.fetchedAt);
    document.querySelectorAll('#te-table .age').forEach(age => {
      const last = Number(age.dataset.last);
      const bar = age.querySelector('.bar');
      const text = age.querySelector('.text');
      if (!last) {
        bar.firstChild.style.width = '0';
        text.textContent = 'none yet';
        return;
      }
      const elapsed = Math.max(0, now - last);
      const share = Math.min(1, elapsed / this.timeout);
      bar.firstChild.style.width = (share * 100).toFixed(1) + '%';
      bar.classList.toggle('warn', share >= 0.5 && share < 0.8);
      bar.classList.toggle('bad', share >= 0.8);
      text.textContent = duration(elapsed);
    });
  },
};

views.te = {
  render(root, id) {
    this.id = id;
    root.append(el('h1', null, 'Task executor ', el('span', {id: 'te-id'}, id), ' ', el('span', {id: 'te-state'})),
        el('div', {'class': 'columns'},
            el('div', null, el('h2', null, 'Details'), el('div', {id: 'te-fields'})),
            el('div', null, el('h2', null, 'Slots'), el('table', {id: 'slot-table'}, el('thead', null,
                el('tr', null, ...['slot', 'allocation', 'job', 'state', 'since'].map(h => el('th', null, h)))),
            el('tbody')))),
        el('h2', null, 'Its events'), eventTable('te-events'));
  },
  async refresh() {
    // Asked through the filtered list rather than /v1/taskexecutors/{id}: a lost one is not an error (404).
    const [page, allocations] = await Promise.all([
      api('/v1/taskexecutors?filter=' + encodeURIComponent(this.id)), api('/v1/allocations')]);
    const mine = this.id;
    const te = page.taskExecutors.find(t => t.id === mine);
    const itsEvents = events.list.filter(e => e.taskExecutorId === mine);
    let shown = te;
    if (!te) {
      const lost = events.recentlyLost(Date.now()).find(e => e.taskExecutorId === mine);
      shown = lost ? {id: mine, state: 'LOST', reason: lost.reason, lostAt: new Date(lost.time).toISOString(),
        detail: lost.detail} : {id: mine, state: 'UNKNOWN'};
    }
    document.getElementById('te-state').replaceChildren(badge(shown.state));
    document.getElementById('te-fields').replaceChildren(fields(shown));
    const bySlot = new Map();
    for (const a of allocations.allocations) {
      if (a.taskExecutorId === mine) {
        bySlot.set(a.slotIndex, a);
      }
    }
    const rows = [];
    for (let slot = 0; slot < (te ? te.slotsTotal : 0); slot++) {
      const a = bySlot.get(slot);
      rows.push(el('tr', {'data-slot': slot}, el('td', {'class': 'num'}, slot),
          el('td', null, a ? a.allocationId : 'free'), el('td', null, a ? a.jobId : ''),
          el('td', null, a ? a.state : ''), el('td', null, a ? time(a.createdAt) : '')));
    }
    document.querySelector('#slot-table tbody').replaceChildren(...rows);
    document.querySelector('#te-events tbody').replaceChildren(...itsEvents.slice(-200).reverse().map(eventRow));
  },
};

const LOSS_COLORS = ['#cf3a3a', '#d98b0b', '#7a52c7', '#3a6fcf', '#2e9e5b', '#8a6d3b', '#e05d9b', '#444'];

views.heartbeats = {
  pollMs: CHART_POLL_MS,

  render(root) {
    const chart = (id, title) => el('div', {'class': 'chart'}, el('h3', null, title), el('canvas', {id: id}));
    root.append(el('h1', null, 'Heartbeats'),
        el('p', {'class': 'muted', id: 'hb-settings'}),
        el('div', {'class': 'charts'}, chart('chart-rtt', 'Heartbeat round trip (ms)'),
            chart('chart-lag', 'Sender tick lag (ms)'), chart('chart-rate', 'Heartbeats and failed RPCs per second'),
            chart('chart-losses', 'Task executors lost, by reason')));
    this.rtt = new PulseChart(document.getElementById('chart-rtt'), {unit: ' ms', series: [
      {name: 'p50', color: '#2e9e5b'}, {name: 'p90', color: '#d98b0b'}, {name: 'p99', color: '#cf3a3a'}]});
    this.lag = new PulseChart(document.getElementById('chart-lag'), {unit: ' ms', series: [
      {name: 'p50', color: '#3a6fcf'}, {name: 'p99', color: '#cf3a3a'}]});
    this.rate = new PulseChart(document.getElementById('chart-rate'), {series: [
      {name: 'heartbeats/s', color: '#2e9e5b'}, {name: 'failed RPCs/s', color: '#cf3a3a'}]});
    this.losses = null;
  },
  async refresh() {
    const summary = await api('/v1/heartbeats/summary');
    const steps = summary.steps;
    document.getElementById('hb-settings').textContent = 'interval ' + duration(summary.intervalMillis)
        + ', timeout ' + duration(summary.timeoutMillis) + ', lost after ' + summary.rpcFailureThreshold
        + ' unreachable RPCs in a row; one point per step, the last ' + steps.length + ' steps';
    const times = steps.map(s => s.time);
    const seconds = steps.map((s, i) => i === 0 ? 2 : Math.max(0.001, (s.time - steps[i - 1].time) / 1000));
    this.rtt.draw(times, [steps.map(s => s.rttP50), steps.map(s => s.rttP90), steps.map(s => s.rttP99)]);
    this.lag.draw(times, [steps.map(s => s.tickLagP50), steps.map(s => s.tickLagP99)]);
    this.rate.draw(times, [steps.map((s, i) => s.heartbeats / seconds[i]),
      steps.map((s, i) => s.rpcFailures / seconds[i])]);
    const reasons = steps.length ? Object.keys(steps[steps.length - 1].losses) : [];
    if (!this.losses || this.losses.options.series.length !== reasons.length) {
      this.losses = new PulseChart(document.getElementById('chart-losses'), {kind: 'bars',
        series: reasons.map((r, i) => ({name: r, color: LOSS_COLORS[i % LOSS_COLORS.length]}))});
    }
    this.losses.draw(times, reasons.map(r => steps.map(s => s.losses[r] || 0)));
  },
};

views.jobs = {
  render(root) {
    root.append(el('h1', null, 'Jobs and allocations'),
        el('table', {id: 'job-table'}, el('thead', null, el('tr', null, ...['job', 'allocations', 'by state',
          'task executors', 'released', 'lost', 'last loss'].map(h => el('th', null, h)))), el('tbody')),
        el('h2', null, 'Allocations'),
        el('table', {id: 'allocation-table'}, el('thead', null, el('tr', null, ...['allocation', 'job',
          'task executor', 'slot', 'state', 'created'].map(h => el('th', null, h)))), el('tbody')));
  },
  async refresh() {
    const body = await api('/v1/allocations');
    const jobs = new Map();
    const job = id => {
      if (!jobs.has(id)) {
        jobs.set(id, {allocations: 0, states: {}, tes: new Set(), released: 0, lost: 0, lastLoss: null});
      }
      return jobs.get(id);
    };
    for (const a of body.allocations) {
      const j = job(a.jobId);
      j.allocations++;
      j.states[a.state] = (j.states[a.state] || 0) + 1;
      if (a.taskExecutorId) { // a moving allocation waiting for a slot has none
        j.tes.add(a.taskExecutorId);
      }
    }
    for (const e of events.list) {
      if (!e.jobId) {
        continue;
      }
      if (e.type === 'ALLOCATION_RELEASED') {
        job(e.jobId).released++;
      } else if (e.type === 'ALLOCATION_LOST') {
        const j = job(e.jobId);
        j.lost++;
        j.lastLoss = e;
      }
    }
    const rows = [...jobs.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([id, j]) =>
      el('tr', {'data-job': id}, el('td', null, id), el('td', {'class': 'num'}, j.allocations),
          el('td', null, Object.entries(j.states).map(([s, n]) => s + ' ' + n).join(', ')),
          el('td', {'class': 'num'}, j.tes.size), el('td', {'class': 'num'}, j.released),
          el('td', {'class': 'num'}, j.lost),
          el('td', null, j.lastLoss ? time(j.lastLoss.time) + ' ' + (j.lastLoss.reason || '') + ' on '
              + (j.lastLoss.taskExecutorId || '') : '')));
    document.querySelector('#job-table tbody').replaceChildren(...rows);
    const allocations = body.allocations.slice(0, 1000).map(a => el('tr', {'data-allocation': a.allocationId},
        el('td', null, a.allocationId), el('td', null, a.jobId), el('td', null, teLink(a.taskExecutorId)),
        el('td', {'class': 'num'}, a.slotIndex), el('td', null, a.state), el('td', null, time(a.createdAt))));
    document.querySelector('#allocation-table tbody').replaceChildren(...allocations);
  },
};

views.events = {
  type: '',
  reason: '',
  text: '',

  render(root) {
    const type = el('select', {id: 'event-type'}, el('option', {value: ''}, 'every type'));
    const reason = el('select', {id: 'event-reason'}, el('option', {value: ''}, 'every reason'));
    const text = el('input', {id: 'event-text', type: 'search', placeholder: 'task executor, job or allocation id',
      size: 30});
    type.addEventListener('change', () => { this.type = type.value; refreshNow(); });
    reason.addEventListener('change', () => { this.reason = reason.value; refreshNow(); });
    text.addEventListener('input', () => { this.text = text.value; refreshNow(); });
    root.append(el('h1', null, 'Events'), el('div', {'class': 'toolbar'}, type, reason, text,
        el('span', {id: 'event-count', 'class': 'muted'})),
    el('div', {'class': 'chart'}, el('h3', null, 'Events per step, by type'), el('canvas', {id: 'chart-events'})),
    eventTable('event-table'));
  },
  async refresh() {
    const list = events.list;
    const fill = (id, values) => {
      const select = document.getElementById(id);
      const present = [...select.options].slice(1).map(o => o.value);
      for (const v of [...new Set(values)].sort()) {
        if (v && !present.includes(v)) {
          select.append(el('option', {value: v}, v));
        }
      }
    };
    fill('event-type', list.map(e => e.type));
    fill('event-reason', list.map(e => e.reason));
    const needle = this.text.toLowerCase();
    const shown = list.filter(e => (!this.type || e.type === this.type) && (!this.reason || e.reason === this.reason)
        && (!needle || [e.taskExecutorId, e.jobId, e.allocationId].some(v => v && v.toLowerCase().includes(needle))));
    document.getElementById('event-count').textContent = shown.length + ' of the newest ' + list.length + ' events';
    document.querySelector('#event-table tbody').replaceChildren(...shown.slice(-500).reverse().map(eventRow));
    this.drawTimeline(shown);
  },
  drawTimeline(shown) {
    const types = [...new Set(shown.map(e => e.type))].sort();
    const now = Date.now();
    const step = 10000, count = 60;
    const times = [];
    for (let i = count - 1; i >= 0; i--) {
      times.push(now - i * step);
    }
    const values = types.map(() => new Array(count).fill(0));
    for (const e of shown) {
      const index = count - 1 - Math.floor((now - e.time) / step);
      if (index >= 0 && index < count) {
        values[types.indexOf(e.type)][index]++;
      }
    }
    new PulseChart(document.getElementById('chart-events'), {kind: 'bars',
      series: types.map((t, i) => ({name: t, color: LOSS_COLORS[i % LOSS_COLORS.length]}))}).draw(times, values);
  },
};

// ------------------------------------------------------------------ routing and polling

let current = null;
let timer = null;
let generation = 0;

function route() {
  const hash = location.hash || '#/overview';
  const parts = hash.substring(2).split('/');
  let name = parts[0];
  let argument = parts.length > 1 ? decodeURIComponent(parts.slice(1).join('/')) : undefined;
  if (!views[name]) {
    name = 'overview';
    argument = undefined;
  }
  if (current && current.stop) {
    current.stop();
  }
  current = views[name];
  document.querySelectorAll('nav a').forEach(a => a.classList.toggle('active', a.dataset.view === name
      || (name === 'te' && a.dataset.view === 'taskexecutors')));
  const root = document.getElementById('view');
  root.replaceChildren();
  current.render(root, argument);
  refreshNow();
}

/** Refreshes the open view now, then every POLL_MS (its own pollMs if it has one). */
function refreshNow() {
  clearTimeout(timer);
  const mine = ++generation;
  const view = current;
  events.poll()
      .then(() => view.refresh())
      .then(() => {
        showStatus('updated ' + new Date().toLocaleTimeString(), false);
        document.body.dataset.refreshed = String(Date.now());
      })
      .catch(handleFailure)
      .finally(() => {
        if (mine === generation) {
          timer = setTimeout(refreshNow, view.pollMs || POLL_MS);
        }
      });
}

async function start() {
  document.getElementById('login-form').addEventListener('submit', event => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById('login-token').value.trim());
    document.getElementById('login').hidden = true;
    document.getElementById('logout').hidden = false;
    refreshNow();
  });
  document.getElementById('logout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  });
  document.getElementById('logout').hidden = !sessionStorage.getItem(TOKEN_KEY);
  window.addEventListener('hashchange', route);
  try {
    const overview = await api('/v1/overview');
    document.getElementById('rm-id').textContent = overview.resourceManagerId + ' (epoch ' + overview.epoch + ')';
  } catch (failure) {
    handleFailure(failure);
  }
  route();
}

start();
