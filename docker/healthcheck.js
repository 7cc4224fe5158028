'use strict';
/**
 * Container health check (the slim image has no curl): GET /livez on the port of NEKZUS_ADDR,
 * healthy on a 2xx answer within the time limit.
 */
const http = require('node:http');

const addr = process.env.NEKZUS_ADDR || ':8080';
const colon = addr.lastIndexOf(':');
const port = Number(addr.slice(colon + 1)) || 8080;
let host = colon > 0 ? addr.slice(0, colon).replace(/^\[(.*)\]$/, '$1') : '';
// A wildcard address listens on loopback too (IPv4: a container may have no IPv6 loopback).
if (host === '' || host === '0.0.0.0' || host === '::') host = '127.0.0.1';

const request = http.get({ host, port, path: '/livez', timeout: 4000 }, (response) => {
  response.resume();
  const ok =
    response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300;
  if (!ok) console.error(`/livez answered ${response.statusCode}`);
  process.exit(ok ? 0 : 1);
});
request.on('timeout', () => {
  console.error('/livez did not answer in time');
  request.destroy();
  process.exit(1);
});
request.on('error', (error) => {
  console.error(`/livez unreachable: ${error.message}`);
  process.exit(1);
});
