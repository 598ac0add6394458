import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDnsResolver } from '../validation/dns-resolver.js';
import { DomainCheck, type DomainResolver, DomainVerdictCache } from './domain-check.js';

/**
 * A tiny authoritative DNS server on 127.0.0.1 (UDP): mail.test has an MX, web.test only an A
 * record, v6.test only AAAA, nomail.test exists without any, everything else is NXDOMAIN;
 * slow.test is never answered.
 */
class LoopbackDns {
  readonly queries: string[] = [];
  private socket!: Socket;
  port = 0;

  async start(): Promise<void> {
    this.socket = createSocket('udp4');
    this.socket.on('message', (msg, rinfo) => {
      const q = dnsPacket.decode(msg);
      const question = q.questions?.[0];
      if (!question) return;
      this.queries.push(`${question.type} ${question.name}`);
      if (question.name === 'slow.test') return;
      const name = question.name;
      const answers: dnsPacket.Answer[] = [];
      if (name === 'mail.test' && question.type === 'MX') answers.push({ type: 'MX', name, ttl: 60, data: { preference: 10, exchange: 'mx.mail.test' } });
      if (name === 'web.test' && question.type === 'A') answers.push({ type: 'A', name, ttl: 60, data: '192.0.2.1' });
      if (name === 'v6.test' && question.type === 'AAAA') answers.push({ type: 'AAAA', name, ttl: 60, data: '2001:db8::1' });
      const exists = ['mail.test', 'web.test', 'v6.test', 'nomail.test'].includes(name);
      const reply = dnsPacket.encode({
        type: 'response',
        id: q.id,
        flags: dnsPacket.AUTHORITATIVE_ANSWER | (exists ? 0 : 3),
        questions: q.questions,
        answers,
      });
      this.socket.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    this.port = (this.socket.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

describe('createDnsResolver against a DNS server on loopback', () => {
  const dns = new LoopbackDns();
  let resolver: DomainResolver;

  beforeAll(async () => {
    await dns.start();
    resolver = createDnsResolver({ servers: [`127.0.0.1:${dns.port}`], timeoutMs: 300 });
  });
  afterAll(() => dns.stop());

  it('says a domain with an MX, an A or an AAAA record can receive mail', async () => {
    expect(await resolver.canReceiveMail('mail.test')).toBe(true);
    expect(await resolver.canReceiveMail('web.test')).toBe(true);
    expect(await resolver.canReceiveMail('v6.test')).toBe(true);
  });

  it('says a domain that does not exist, or has none of those records, cannot', async () => {
    expect(await resolver.canReceiveMail('nowhere.test')).toBe(false);
    expect(await resolver.canReceiveMail('nomail.test')).toBe(false);
  });

  it('says nothing (null) when the server does not answer in time', async () => {
    expect(await resolver.canReceiveMail('slow.test')).toBeNull();
  });

  it('says nothing when no server listens at all', async () => {
    const closed = createSocket('udp4');
    await new Promise<void>((resolve) => closed.bind(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dead = createDnsResolver({ servers: [`127.0.0.1:${port}`], timeoutMs: 300 });
    expect(await dead.canReceiveMail('nowhere.test')).toBeNull();
  });

  it('DomainCheck: one lookup per distinct domain, cached across files, the budget bounding the wait', async () => {
    const cache = new DomainVerdictCache();
    const check = new DomainCheck(resolver, cache, { concurrency: 2 });
    dns.queries.length = 0;
    for (let i = 0; i < 50; i++) for (const d of ['mail.test', 'nowhere.test', 'nomail.test', 'slow.test']) check.add(d);
    const started = Date.now();
    const unresolvable = await check.settle(5_000);
    expect(unresolvable.sort()).toEqual(['nomail.test', 'nowhere.test']);
    expect(check.lookups).toBe(4);
    expect(dns.queries.filter((q) => q === 'MX nowhere.test')).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5_000);

    // The next file: answers come from the cache, except the unknown one, asked again.
    const next = new DomainCheck(resolver, cache, { concurrency: 2 });
    dns.queries.length = 0;
    for (const d of ['mail.test', 'nowhere.test', 'slow.test']) next.add(d);
    expect(await next.settle(5_000)).toEqual(['nowhere.test']);
    expect(next.lookups).toBe(1);
    expect(dns.queries.every((q) => q.endsWith('slow.test'))).toBe(true);
  });
});

describe('DomainCheck', () => {
  it('never waits past its budget, never runs more lookups at once than allowed, and a throwing resolver says nothing', async () => {
    let inFlight = 0;
    let peak = 0;
    const never: DomainResolver = {
      canReceiveMail: (domain) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        if (domain.startsWith('boom')) {
          inFlight--;
          return Promise.reject(new Error('network down'));
        }
        return new Promise(() => undefined);
      },
    };
    const check = new DomainCheck(never, new DomainVerdictCache(), { concurrency: 3 });
    check.add('boom.test');
    for (let i = 0; i < 20; i++) check.add(`d${i}.test`);
    const started = Date.now();
    expect(await check.settle(200)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(peak).toBeLessThanOrEqual(3);
  });

  it('stops adding domains past maxDomains', async () => {
    const asked: string[] = [];
    const resolver: DomainResolver = { canReceiveMail: async (d) => {
        asked.push(d);
        return false;
      }, };
    const check = new DomainCheck(resolver, new DomainVerdictCache(), { concurrency: 4, maxDomains: 3 });
    for (let i = 0; i < 10; i++) check.add(`d${i}.test`);
    expect(await check.settle(1_000)).toHaveLength(3);
    expect(asked).toHaveLength(3);
  });
});
