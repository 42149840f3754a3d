// A minimal SMTP receiver for the browser tests (node:net only): it speaks
// enough SMTP for the server's mailer (EHLO/HELO, MAIL FROM, RCPT TO, DATA,
// RSET, NOOP, QUIT; no TLS, no AUTH) and keeps every message. run.mjs
// starts it on 127.0.0.1:<free port> and points the server at it with
// EXPERTENRUNDE_SMTP_HOST/PORT, EXPERTENRUNDE_SMTP_TLS=none.
//
// parseMail() decodes a captured message: headers (RFC 2047 encoded words),
// and the text/plain and text/html parts of a multipart message, undoing
// quoted-printable and base64.

import { createServer } from 'node:net';

export class SmtpCatcher {
  constructor() {
    /** @type {{ from: string, to: string[], raw: string }[]} */
    this.messages = [];
    this.sockets = new Set();
    this.server = createServer((socket) => this.#session(socket));
  }

  /** Listens on 127.0.0.1 (port 0: a free one); resolves to the port. */
  listen(port = 0) {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve(this.server.address().port));
    });
  }

  close() {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  #session(socket) {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    socket.setEncoding('latin1'); // bytes as they are; the parts declare their charset
    const reply = (line) => socket.write(line + '\r\n');
    let buf = '';
    let inData = false;
    let data = [];
    let env = { from: '', to: [] };

    reply('220 e2e-smtp ESMTP ready');
    socket.on('data', (chunk) => {
      buf += chunk;
      for (;;) {
        const i = buf.indexOf('\r\n');
        if (i < 0) break;
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            this.messages.push({ from: env.from, to: env.to, raw: Buffer.from(data.join('\r\n'), 'latin1').toString('utf8') });
            data = [];
            env = { from: '', to: [] };
            reply('250 2.0.0 queued');
          } else {
            data.push(line.startsWith('.') ? line.slice(1) : line); // dot-stuffing
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        const arg = line.slice(4).trim();
        switch (verb) {
          case 'EHLO':
            socket.write('250-e2e-smtp\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n');
            break;
          case 'HELO':
            reply('250 e2e-smtp');
            break;
          case 'MAIL':
            env = { from: addr(arg), to: [] };
            reply('250 2.1.0 ok');
            break;
          case 'RCPT':
            env.to.push(addr(arg));
            reply('250 2.1.5 ok');
            break;
          case 'DATA':
            if (env.to.length === 0) {
              reply('503 5.5.1 RCPT first');
              break;
            }
            inData = true;
            reply('354 end with <CRLF>.<CRLF>');
            break;
          case 'RSET':
            env = { from: '', to: [] };
            reply('250 2.0.0 ok');
            break;
          case 'NOOP':
            reply('250 2.0.0 ok');
            break;
          case 'QUIT':
            reply('221 2.0.0 bye');
            socket.end();
            break;
          default:
            reply('502 5.5.2 command not implemented');
        }
      }
    });
  }
}

function addr(arg) {
  const m = /<([^>]*)>/.exec(arg);
  return (m ? m[1] : arg.replace(/^(FROM|TO):/i, '')).trim().toLowerCase();
}

// ---------------------------------------------------------------- decoding

/** Splits a header block + body; header names lower-cased, folded lines joined. */
function splitEntity(raw) {
  const cut = raw.search(/\r?\n\r?\n/);
  const head = cut < 0 ? raw : raw.slice(0, cut);
  const body = cut < 0 ? '' : raw.slice(cut).replace(/^\r?\n\r?\n/, '');
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { headers, body };
}

function param(header, name) {
  const m = new RegExp(`${name}="?([^";]+)"?`, 'i').exec(header ?? '');
  return m ? m[1] : '';
}

function decodeQP(s, charset) {
  const bytes = [];
  const text = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return new TextDecoder(charset || 'utf-8').decode(Uint8Array.from(bytes));
}

function decodeBody(body, encoding, charset) {
  switch ((encoding ?? '').toLowerCase()) {
    case 'quoted-printable':
      return decodeQP(body, charset);
    case 'base64':
      return new TextDecoder(charset || 'utf-8').decode(Buffer.from(body.replace(/\s+/g, ''), 'base64'));
    default:
      return body;
  }
}

/** Decodes RFC 2047 encoded words (=?utf-8?q?…?= and =?utf-8?b?…?=). */
export function decodeHeader(v) {
  return (v ?? '')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([qQbB])\?([^?]*)\?=/g, (_, cs, enc, text) =>
      enc.toUpperCase() === 'B'
        ? new TextDecoder(cs).decode(Buffer.from(text, 'base64'))
        : decodeQP(text.replace(/_/g, ' '), cs),
    );
}

/** Collects the leaf parts of a (possibly nested) multipart entity. */
function leaves(raw, out = []) {
  const { headers, body } = splitEntity(raw);
  const ct = headers['content-type'] ?? 'text/plain';
  if (/^multipart\//i.test(ct)) {
    const boundary = param(ct, 'boundary');
    const parts = body.split(new RegExp(`\\r?\\n?--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*\\r?\\n?`));
    for (const p of parts.slice(1)) if (p.trim()) leaves(p, out);
    return out;
  }
  out.push({ type: ct.split(';')[0].trim().toLowerCase(), text: decodeBody(body, headers['content-transfer-encoding'], param(ct, 'charset')) });
  return out;
}

/** { to, subject, text, html, headers } of one captured message. */
export function parseMail(msg) {
  const { headers } = splitEntity(msg.raw);
  const parts = leaves(msg.raw);
  return {
    to: msg.to,
    subject: decodeHeader(headers.subject),
    headers,
    text: parts.find((p) => p.type === 'text/plain')?.text ?? '',
    html: parts.find((p) => p.type === 'text/html')?.text ?? '',
  };
}
