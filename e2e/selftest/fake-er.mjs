#!/usr/bin/env node
// A stand-in for the expertenrunde binary, only to check the e2e harness
// itself (npm run selftest) before the Go server exists. It speaks the same
// CLI (user create, survey import, serve) and a minimal slice of the API
// contract, serves ../../frontend/dist, and keeps its state in JSON files in
// EXPERTENRUNDE_DATA_DIR. It ignores the survey file's content and stores a
// built-in four-block study instead. Not a product; delete it once the real
// binary runs the e2e suite.

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, '../../frontend/dist');
const dataDir = process.env.EXPERTENRUNDE_DATA_DIR;
if (!dataDir) fail('EXPERTENRUNDE_DATA_DIR is not set');
const stateFile = path.join(dataDir, 'fake-state.json');

function fail(msg) {
  process.stderr.write(`fake-er: ${msg}\n`);
  process.exit(2);
}
function load() {
  return existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : { users: [], surveys: [] };
}
function save(st) {
  writeFileSync(stateFile, JSON.stringify(st, null, 2));
}
function flag(args, name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const T = (de, en) => ({ de, en });
const rating = (id, de, en) => ({ id, type: 'rating', text: T(de, en), scale: 'imp5', comment: true });
const fixture = {
  id: 'kleinstadtakademie-2020',
  version: '2020-10',
  languages: ['de', 'en'],
  title: T('Expertenbefragung Kleinstadtakademie 2020', 'Small Town Academy expert survey 2020'),
  description: T(
    'Themen, Aufgaben, Formate sowie Träger- und Organisationsstrukturen einer künftigen Kleinstadtakademie.',
    'Topics, tasks, formats and governance of a future Small Town Academy.',
  ),
  time_zone: 'Europe/Berlin',
  groups: [
    { id: 'pol', label: T('Politik und Verwaltung', 'Politics and public administration') },
    { id: 'plan', label: T('Planungspraxis', 'Planning practice') },
  ],
  scales: [
    {
      id: 'imp5',
      points: [1, 2, 3, 4, 5].map((v) => ({ value: v, label: T(`Stufe ${v}`, `Level ${v}`) })),
      abstain: { label: T('kann ich nicht beurteilen', 'cannot judge') },
      agreement: { min: 4, max: 5 },
      disagreement: { min: 1, max: 2 },
    },
  ],
  consensus: { min_n: 10, all: [{ agreement: { min_percent: 75 } }, { iqr: { max: 1 } }] },
  rounds: {
    planned: 2,
    feedback: {
      statistics: ['n', 'median', 'iqr', 'distribution'],
      own_previous: true,
      comments: true,
      by_group: true,
      hide_until_answered: false,
      justify_outside_iqr: false,
    },
    carry_over: { mode: 'no_consensus' },
  },
  sections: [
    {
      id: 'themen',
      title: T('Themen', 'Topics'),
      items: [
        rating('t_resilienz', 'Resilienz und Zukunftsfähigkeit von Kleinstädten', 'Resilience and future viability'),
        rating('t_wohnen', 'Wohnen', 'Housing'),
      ],
    },
    {
      id: 'aufgaben',
      title: T('Aufgaben', 'Tasks'),
      items: [rating('a_vernetzung', 'Vernetzung und Austausch', 'Networking and exchange')],
    },
    {
      id: 'formate',
      title: T('Formate', 'Formats'),
      items: [
        {
          id: 'f_top3',
          type: 'ranking',
          text: T('Welche drei Formate sind am wichtigsten?', 'Which three formats matter most?'),
          top_k: 3,
          options: [
            { id: 'tagung', label: T('Bundestagung', 'National conference') },
            { id: 'webtalk', label: T('Webtalks', 'Web talks') },
            { id: 'werkstatt', label: T('Erfahrungswerkstätten', 'Experience workshops') },
            { id: 'peer', label: T('Peer-to-Peer-Besuche', 'Peer-to-peer visits') },
          ],
        },
      ],
    },
    {
      id: 'traeger',
      title: T('Träger- und Organisationsstrukturen', 'Sponsorship and governance'),
      items: [
        {
          id: 'o_traeger',
          type: 'single_choice',
          text: T('Wer sollte die Akademie tragen?', 'Who should carry the academy?'),
          options: [
            { id: 'bund', label: T('Bund', 'Federal government') },
            { id: 'verein', label: T('Eingetragener Verein', 'Registered association') },
          ],
        },
        { id: 'o_weitere', type: 'text', text: T('Weitere Hinweise?', 'Further remarks?'), max_length: 2000 },
      ],
    },
  ],
};

async function readStdin() {
  let s = '';
  for await (const chunk of process.stdin) s += chunk;
  return s.replace(/\r?\n$/, '');
}

const [cmd, sub, ...rest] = process.argv.slice(2);
if (cmd === 'user' && sub === 'create') {
  const st = load();
  const email = flag(rest, '--email');
  const password = rest.includes('--password-stdin') ? await readStdin() : flag(rest, '--password');
  if (!email || !password || password.length < 12) fail('user create: need --email and a password of 12+ characters');
  st.users.push({
    id: 'u' + (st.users.length + 1),
    email: email.toLowerCase(),
    name: flag(rest, '--name') ?? '',
    role: flag(rest, '--role') ?? 'admin',
    survey_ids: [],
    password,
  });
  save(st);
  console.log(`created user ${email}`);
} else if (cmd === 'survey' && sub === 'import') {
  const st = load();
  const now = new Date().toISOString();
  st.surveys = [{ id: fixture.id, revision: 1, status: 'draft', created_at: now, updated_at: now, definition: fixture }];
  save(st);
  console.log(`imported ${fixture.id} (fixture; ${rest[0] ?? 'no file'} ignored)`);
} else if (cmd === 'serve') {
  serve();
} else {
  fail(`unknown command: ${process.argv.slice(2).join(' ')}`);
}

function serve() {
  const st = load();
  const sessions = new Map(); // session id -> { userId, csrf }
  const [host, port] = (process.env.EXPERTENRUNDE_ADDR ?? '127.0.0.1:8080').split(':');
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

  const json = (res, status, body, headers = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const error = (res, status, code, message, headers) => json(res, status, { error: { code, message } }, headers);
  const cookies = (req) =>
    Object.fromEntries((req.headers.cookie ?? '').split(';').map((c) => c.trim().split('=')).filter((p) => p[0]));
  const session = (req) => sessions.get(cookies(req).er_session);
  const body = async (req) => {
    let s = '';
    for await (const c of req) s += c;
    return s ? JSON.parse(s) : {};
  };
  const pub = (u) => ({ id: u.id, email: u.email, name: u.name, role: u.role, survey_ids: u.survey_ids });
  const summary = (s) => ({
    id: s.id,
    revision: s.revision,
    version: s.definition.version,
    title: s.definition.title,
    description: s.definition.description,
    languages: s.definition.languages,
    status: s.status,
    item_count: s.definition.sections.reduce((n, x) => n + x.items.length, 0),
    section_count: s.definition.sections.length,
    group_count: s.definition.groups.length,
    updated_at: s.updated_at,
  });

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const p = url.pathname;
    try {
      if (p === '/readyz' || p === '/healthz') return json(res, 200, { status: 'ok' });
      if (p.startsWith('/api/')) {
        if (req.method === 'POST' && p === '/api/v1/auth/login') {
          const { email, password } = await body(req);
          const u = st.users.find((x) => x.email === String(email).toLowerCase() && x.password === password);
          if (!u) return error(res, 401, 'unauthorized', 'invalid e-mail or password');
          const sid = randomBytes(16).toString('hex');
          const csrf = randomBytes(16).toString('hex');
          sessions.set(sid, { userId: u.id, csrf });
          res.setHeader('Set-Cookie', [
            `er_session=${sid}; Path=/; HttpOnly; SameSite=Strict`,
            `er_csrf=${csrf}; Path=/; SameSite=Strict`,
          ]);
          return json(res, 200, { token: sid, expires_at: new Date(Date.now() + 8 * 3600e3).toISOString(), user: pub(u) });
        }
        // Unknown routes are 404 for everyone, before any authentication.
        const known = ['/api/v1/auth/logout', '/api/v1/me', '/api/v1/surveys'];
        if (!known.includes(p) && !/^\/api\/v1\/surveys\/[^/]+$/.test(p)) {
          return error(res, 404, 'not_found', 'no such API route');
        }
        const sess = session(req);
        if (!sess) return error(res, 401, 'unauthorized', 'not logged in');
        if (req.method !== 'GET' && req.headers['x-csrf-token'] !== sess.csrf) {
          return error(res, 403, 'forbidden', 'CSRF token missing or wrong');
        }
        const user = st.users.find((x) => x.id === sess.userId);
        if (req.method === 'POST' && p === '/api/v1/auth/logout') {
          sessions.delete(cookies(req).er_session);
          res.writeHead(204, {
            'Set-Cookie': ['er_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict', 'er_csrf=; Path=/; Max-Age=0'],
          });
          return res.end();
        }
        if (req.method === 'GET' && p === '/api/v1/me') return json(res, 200, pub(user));
        if (req.method === 'GET' && p === '/api/v1/surveys') return json(res, 200, { surveys: st.surveys.map(summary) });
        const m = /^\/api\/v1\/surveys\/([^/]+)$/.exec(p);
        if (req.method === 'GET' && m) {
          const s = st.surveys.find((x) => x.id === decodeURIComponent(m[1]));
          return s ? json(res, 200, s) : error(res, 404, 'not_found', 'survey not found');
        }
        return error(res, 404, 'not_found', 'no such API route');
      }
      // The built UI, with the SPA fallback to index.html.
      const file = path.join(dist, path.normalize(p).replace(/^(\.\.[/\\])+/, ''));
      const isFile = file.startsWith(dist) && existsSync(file) && !file.endsWith(path.sep) && path.extname(file);
      if (!isFile && p.startsWith('/assets/')) return error(res, 404, 'not_found', 'no such asset');
      const target = isFile ? file : path.join(dist, 'index.html');
      res.writeHead(200, { 'Content-Type': types[path.extname(target)] ?? 'application/octet-stream' });
      res.end(await readFile(target));
    } catch (err) {
      error(res, 500, 'internal', String(err));
    }
  });
  server.listen(Number(port), host, () => console.log(`fake-er listening on ${host}:${port}`));
  process.on('SIGTERM', () => {
    console.log('fake-er: SIGTERM, shutting down');
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
