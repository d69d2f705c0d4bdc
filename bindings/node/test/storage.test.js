'use strict';
// Object storage (include/plexus/objects.h) through the binding: uploads
// from memory or a file, downloads to a file or as a stream of Buffers paced
// by the reader, against a small S3 stand-in of this process (single PUTs
// and GETs, path addressing; signatures are not checked here: the C tests
// do that against the S3 peer and moto), and the S3 peer when it runs.

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const http = require('node:http');
const { plexus, sleep, reachable, quietContext } = require('./common');

const objects = new Map();
let srv;
let aborted = 0;
let sent = 0;
const md5 = (buf) => crypto.createHash('md5').update(buf).digest('hex');
const etag = (buf) => `"${md5(buf)}"`;

// Waits for res to take more, or to close.
function drained(res) {
  return new Promise((ok) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      ok();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

// The S3 stand-in: PUT stores the raw body, GET sends it back in slices
// (so that a slow reader holds the server back), 404 is S3's NoSuchKey.
async function s3Handler(req, res) {
  const key = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  const chunks = [];
  for await (const c of req) chunks.push(c);
  if (req.method === 'PUT') {
    const buf = Buffer.concat(chunks);
    objects.set(key, buf);
    res.writeHead(200, { etag: etag(buf) });
    return res.end();
  }
  const buf = objects.get(key);
  if (!buf) {
    res.writeHead(404, { 'content-type': 'application/xml' });
    return res.end('<?xml version="1.0"?><Error><Code>NoSuchKey</Code>' +
      '<Message>no such key</Message></Error>');
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream',
    'content-length': buf.length, etag: etag(buf) });
  res.on('close', () => { if (!res.writableEnded) aborted++; });
  for (let off = 0; off < buf.length && !res.destroyed; off += 65536) {
    sent += Math.min(65536, buf.length - off);
    if (!res.write(buf.subarray(off, off + 65536))) await drained(res);
  }
  res.end();
}

test.before(async () => {
  const server = http.createServer((req, res) => {
    s3Handler(req, res).catch(() => res.destroy());
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  srv = { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((ok) => {
    server.closeAllConnections();
    server.close(ok);
  }) };
});
test.after(() => srv.close());

function store(t, url = srv.url, extra = {}) {
  const ctx = quietContext();
  t.after(() => ctx.close());
  return ctx.newProvider('s3', { endpoint_url: url, bucket: 'bkt', region: 'us-east-1',
    access_key_id: 'AKIDEXAMPLE', secret_access_key: 'secret-key-for-tests',
    retry: { max_attempts: 2, base_delay_ms: 1 }, ...extra });
}

function bytes(n, seed = 1) {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

test('putObject from memory, objectStream back, paced by a slow reader', async (t) => {
  const p = store(t);
  const data = bytes(3 * 1024 * 1024 + 17);
  const put = await p.putObject({ key: 'dir/a.bin', content_type: 'application/octet-stream' },
    data);
  assert.equal(put.size, data.length);
  assert.equal(put.multipart, false);
  assert.equal(put.etag.replace(/"/g, ''), md5(data));
  assert.ok(objects.get('/bkt/dir/a.bin').equals(data));

  const stream = p.objectStream({ key: 'dir/a.bin' });
  const chunks = [];
  for await (const c of stream) {
    assert.ok(Buffer.isBuffer(c));
    chunks.push(c);
    if (chunks.length % 8 === 0) await sleep(5);
  }
  const got = Buffer.concat(chunks);
  assert.equal(got.length, data.length);
  assert.ok(got.equals(data));
  const r = await stream.result;
  assert.equal(r.size, data.length);
  assert.equal(r.etag.replace(/"/g, ''), md5(data));
});

test('getObject to a file, putObject from a file and from the request', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plexus-node-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const p = store(t);
  objects.set('/bkt/b.txt', Buffer.from('hello from s3\n'));
  const file = path.join(dir, 'b.txt');
  const r = await p.getObject({ key: 'b.txt', file });
  assert.equal(r.size, 14);
  assert.equal(fs.readFileSync(file, 'utf8'), 'hello from s3\n');
  const text = await p.putObject({ key: 'c.txt', body: 'plain text' });
  assert.equal(text.size, 10);
  await assert.rejects(p.getObject({ key: 'missing', file: path.join(dir, 'm') }), (e) =>
    e instanceof plexus.NotFoundError && e.result.error.service_code === 'NoSuchKey');
  assert.equal(fs.existsSync(path.join(dir, 'm')), false, 'a failed download leaves no file');
  await assert.rejects(p.putObject({ key: 'x' }, 'not bytes'), TypeError);
  const local = quietContext().newProvider('local');
  await assert.rejects(local.putObject({ key: 'x', body: 'y' }), plexus.UnsupportedError);
});

test('objectStream: a reader that pauses holds the download back', async (t) => {
  const p = store(t);
  const size = 48 * 1024 * 1024;
  objects.set('/bkt/huge.bin', bytes(size, 5));
  sent = 0;
  const stream = p.objectStream({ key: 'huge.bin' });
  await sleep(600);
  // About 1 MiB waits in the binding; the rest of what the server could
  // write sits in socket buffers. Without pacing it would all be here.
  assert.ok(sent < size / 2, `the server sent ${sent} bytes while nobody read`);
  let n = 0;
  for await (const c of stream) n += c.length;
  assert.equal(n, size);
  assert.equal((await stream.result).size, size);
});

test('objectStream: an early break stops the download', async (t) => {
  const p = store(t);
  objects.set('/bkt/big.bin', bytes(8 * 1024 * 1024, 7));
  const before = aborted;
  const stream = p.objectStream({ key: 'big.bin' });
  let n = 0;
  for await (const c of stream) {
    n += c.length;
    break;
  }
  assert.ok(n > 0);
  await assert.rejects(stream.result, (e) => e instanceof plexus.CanceledError &&
    e.result.delivered < 8 * 1024 * 1024);
  for (let i = 0; i < 50 && aborted === before; i++) await sleep(20);
  assert.equal(aborted, before + 1);
  const missing = p.objectStream({ key: 'nope' });
  await assert.rejects((async () => { for await (const c of missing) assert.fail(c); })(),
    plexus.NotFoundError);
});

test('objectStream dropped unread: collected and stopped, the process exits', () => {
  const script = `
    const http = require('node:http');
    const plexus = require(${JSON.stringify(path.join(__dirname, '..'))});
    const big = Buffer.alloc(16 * 1024 * 1024, 1);
    const srv = http.createServer((req, res) => {
      res.writeHead(200, { 'content-length': big.length, etag: '"e"' });
      res.end(big);
    }).listen(0, '127.0.0.1', async () => {
      const ctx = new plexus.Context({ log_level: 'none' });
      const p = ctx.newProvider('s3', { endpoint_url: 'http://127.0.0.1:' + srv.address().port,
        bucket: 'bkt', region: 'us-east-1', access_key_id: 'a', secret_access_key: 'bbbb' });
      let result = (() => { const s = p.objectStream({ key: 'k' }); return s.result; })();
      for (let i = 0; i < 20; i++) {
        await new Promise((ok) => setTimeout(ok, 50));
        global.gc();
      }
      const err = await result.then(() => null, (e) => e);
      console.log(err && err.code);
      ctx.close();
      srv.close();
      srv.closeAllConnections();
    });`;
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', script],
    { encoding: 'utf8', timeout: 30000 });
  assert.equal(r.signal, null, 'the process ended by itself');
  assert.equal(r.stdout.trim(), 'PLX_ECANCELED', r.stderr);
});

test('objectStream: a reader waiting for bytes is not collected meanwhile', () => {
  // The reader's suspended function hangs off the promise of next(), which
  // only the stream can settle: collections while it waits must keep it.
  const script = `
    const http = require('node:http');
    const plexus = require(${JSON.stringify(path.join(__dirname, '..'))});
    const srv = http.createServer(async (req, res) => {
      res.writeHead(200, { 'content-length': 20 * 1000, etag: '"e"' });
      for (let i = 0; i < 20; i++) {
        res.write(Buffer.alloc(1000, i));
        await new Promise((ok) => setTimeout(ok, 20));
      }
      res.end();
    }).listen(0, '127.0.0.1', async () => {
      const ctx = new plexus.Context({ log_level: 'none' });
      const p = ctx.newProvider('s3', { endpoint_url: 'http://127.0.0.1:' + srv.address().port,
        bucket: 'bkt', region: 'us-east-1', access_key_id: 'a', secret_access_key: 'bbbb' });
      const gc = setInterval(() => global.gc(), 5);
      let n = 0;
      try {
        for await (const c of p.objectStream({ key: 'k' })) n += c.length;
        console.log(n);
      } catch (e) {
        console.log(e.code);
      }
      clearInterval(gc);
      ctx.close();
      srv.close();
    });`;
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', script],
    { encoding: 'utf8', timeout: 30000 });
  assert.equal(r.stdout.trim(), '20000', r.stderr);
});

test('the S3 peer (SigV4 checked): a multipart upload and a streamed download',
  async (t) => {
    const url = process.env.PEER_S3_URL;
    if (!url) return t.skip('PEER_S3_URL unset: start ../shared/peers (scripts/start.sh s3)');
    if (!(await reachable(url))) return t.skip(`the S3 peer is not running at ${url}`);
    const p = store(t, url, { bucket: process.env.PEER_S3_BUCKET,
      region: process.env.PEER_S3_REGION, access_key_id: process.env.PEER_S3_ACCESS_KEY_ID,
      secret_access_key: process.env.PEER_S3_SECRET_ACCESS_KEY, part_size: 5242880,
      multipart_threshold: 5242880 });
    const data = bytes(11 * 1024 * 1024, 3);
    const key = `node-binding/${process.pid}-${Date.now()}.bin`;
    const put = await p.putObject({ key }, data);
    assert.equal(put.multipart, true);
    assert.equal(put.parts, 3);
    const hash = crypto.createHash('sha256');
    const stream = p.objectStream({ key });
    for await (const c of stream) hash.update(c);
    assert.equal(hash.digest('hex'), crypto.createHash('sha256').update(data).digest('hex'));
    assert.equal((await stream.result).size, data.length);
    await p.call('delete_object', { key });
  });
