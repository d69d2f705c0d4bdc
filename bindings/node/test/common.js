'use strict';
// Shared by the *.test.js files: local HTTP servers on 127.0.0.1, the
// peers' URLs, small utilities. Not a test file itself (run.sh runs
// *.test.js only).

const http = require('node:http');
const net = require('node:net');
const path = require('node:path');

const plexus = require('..');

// Starts an HTTP server on 127.0.0.1 with handler(req, res, body); resolves
// with {url, server, requests, close()}. requests counts the requests seen.
async function serve(handler) {
  const state = { requests: 0 };
  const server = http.createServer((req, res) => {
    state.requests++;
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body = text;
      try { body = text ? JSON.parse(text) : null; } catch { /* text */ }
      Promise.resolve(handler(req, res, body)).catch((err) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    get requests() { return state.requests; },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

function json(res, status, value, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// One OpenAI-style streamed chunk (an SSE event) carrying text.
function sseChunk(text, finish = null) {
  const chunk = { id: 'chatcmpl-1', object: 'chat.completion.chunk', model: 'test-model',
    choices: [{ index: 0, delta: { content: text }, finish_reason: finish }] };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

// The config of an openai provider at url with one attempt.
function openaiConfig(url, extra = {}) {
  return { base_url: url, model: 'test-model', auth: { type: 'bearer', token: 'sk-test' },
    retry: { max_attempts: 1 }, ...extra };
}

// Whether something listens at the host:port of url.
function reachable(url) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port) || 80 });
    s.setTimeout(1000);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('timeout', () => { s.destroy(); resolve(false); });
    s.once('error', () => resolve(false));
  });
}

// A ctx with log_level none (tests that expect failures stay quiet).
function quietContext(config = {}) {
  return new plexus.Context({ log_level: 'none', ...config });
}

const TICKET = 'Hi, I ordered a wireless router three weeks ago and it still has not ' +
  'arrived. The tracking page has shown the same status for ten days and nobody answers ' +
  'my emails. This is really frustrating because I work from home. Please send a ' +
  'replacement or refund my order as soon as possible.';

module.exports = {
  plexus, serve, json, sleep, sseChunk, openaiConfig, reachable, quietContext, TICKET,
  ADDON: process.env.PLEXUS_NODE_ADDON ||
    path.join(__dirname, '..', 'build', 'Release', 'plexus_node.node'),
};
