import { Webhook } from 'standardwebhooks';
import { forbiddenAddressReason } from '../../src/webhooks/address-policy';
import { callbackUrlProblem } from '../../src/webhooks/callback-url';
import { retryAfterMs, STANDARD_RETRY_SCHEDULE_MS } from '../../src/webhooks/retry-schedule';
import { webhookHeaders } from '../../src/webhooks/signing';

const SECRET = `whsec_${Buffer.from('a secret of at least 24 bytes!!').toString('base64')}`;
const OTHER = `whsec_${Buffer.from('the next secret, 24 bytes long').toString('base64')}`;

describe('webhook addresses', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.9', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['::1', 'loopback'],
    ['fe80::1', 'linkLocal'],
    ['fd00::1', 'uniqueLocal'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['ff02::1', 'multicast'],
  ])('refuses %s (%s)', (address, range) => {
    expect(forbiddenAddressReason(address)).toContain(range);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111'])('lets the public address %s through', (address) => {
    expect(forbiddenAddressReason(address)).toBeNull();
  });
});

describe('callback_url', () => {
  const strict = { allowPrivate: false };
  it.each([
    ['http://hooks.example.com/x', /https/],
    ['ftp://hooks.example.com/x', /https/],
    ['/relative/path', /absolute/],
    ['https://user:pass@hooks.example.com/x', /credentials/],
    ['https://hooks.example.com/x#frag', /fragment/],
    [`https://hooks.example.com/${'a'.repeat(2_100)}`, /2048/],
    ['https://localhost/x', /loopback/],
    ['https://api.localhost/x', /loopback/],
    ['https://127.0.0.1/x', /loopback/],
    ['https://[::1]/x', /loopback/],
    ['https://10.0.0.5/x', /private/],
    ['https://169.254.169.254/latest/meta-data', /linkLocal/],
    ['https://[::ffff:7f00:1]/x', /loopback/],
  ])('refuses %s', (url, why) => {
    expect(callbackUrlProblem(url, strict)).toMatch(why);
  });

  it('takes a public https URL, and http or private hosts only when allowed', () => {
    expect(callbackUrlProblem('https://hooks.example.com/reprocess?tenant=7', strict)).toBeNull();
    expect(callbackUrlProblem('http://127.0.0.1:9000/hook', { allowPrivate: true })).toBeNull();
    expect(callbackUrlProblem('ftp://127.0.0.1/hook', { allowPrivate: true })).toMatch(/https or http/);
  });
});

describe('signing', () => {
  it("signs with every secret so that standardwebhooks' own verify accepts each of them", () => {
    const at = new Date();
    const body = JSON.stringify({ type: 'reprocess.completed', data: { video_id: 'v' } });
    const headers = webhookHeaders([SECRET, OTHER], 'msg_run-1', at, body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [SECRET, OTHER])
      expect(new Webhook(secret).verify(body, headers)).toMatchObject({ type: 'reprocess.completed' });
    expect(() => new Webhook(SECRET).verify(`${body} `, headers)).toThrow();
  });
});

describe('retry schedule', () => {
  it("is Standard Webhooks' own", () => {
    expect(STANDARD_RETRY_SCHEDULE_MS.map((ms) => ms / 1000)).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 36000]);
  });

  it('reads Retry-After as seconds or an HTTP date, bounded', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Tue, 01 Dec 2026 12:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs('999999999', now)).toBe(36_000_000);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(undefined, now)).toBeNull();
  });
});
