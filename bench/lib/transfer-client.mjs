// The load generator of bench/timebank-transfers.bench.ts, in a process of its own so that its CPU is counted
// apart from the server's. Reads its job as JSON on stdin; each of `clients` loops sends one request at a time
// over a kept-alive connection until `seconds` have passed, then the process prints what it saw as JSON.
import http from 'node:http';
import { randomUUID } from 'node:crypto';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const { base, seconds, clients, members, issuer, coordinatorAuth, hotShare, mode } = JSON.parse(input);
const url = new URL(base);
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const latencies = [];
const statuses = {};
const pick = () => members[Math.floor(Math.random() * members.length)];

function request(method, path, authorization, body) {
  return new Promise((resolve, reject) => {
    const headers = { authorization };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = http.request({ agent, host: url.hostname, port: url.port, method, path, headers }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const cpuBefore = process.cpuUsage();
const started = performance.now();
const until = started + seconds * 1000;
async function client() {
  while (performance.now() < until) {
    let status;
    const start = performance.now();
    if (mode === 'get') {
      const a = pick();
      status = await request('GET', `/api/v1/timebank/accounts/${a.accountId}`, a.authorization);
    } else {
      let authorization, from, to;
      if (Math.random() < hotShare) { authorization = coordinatorAuth; from = issuer; to = pick().accountId; }
      else { const a = pick(); let b = pick(); while (b === a) b = pick(); authorization = a.authorization; from = a.accountId; to = b.accountId; }
      const body = JSON.stringify({ id: randomUUID(), from, to, minutes: 1 + Math.floor(Math.random() * 10), reason: 'Bench exchange' });
      status = await request('POST', '/api/v1/timebank/transfers', authorization, body);
    }
    latencies.push(performance.now() - start);
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
}
await Promise.all(Array.from({ length: clients }, client));
const elapsed = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
agent.destroy();
process.stdout.write(JSON.stringify({ latencies, statuses, elapsed, cpuMs: (cpu.user + cpu.system) / 1000 }));
