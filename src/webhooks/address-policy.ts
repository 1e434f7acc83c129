import ipaddr from 'ipaddr.js';

/**
 * Why an address must not receive a webhook, or null when it is an ordinary public unicast address. Everything
 * ipaddr.js does not class as `unicast` is refused: loopback, private (10/8, 172.16/12, 192.168/16), link-local
 * (169.254/16, where cloud metadata answers, and fe80::/10), carrier-grade NAT (100.64/10), unique-local (fc00::/7),
 * multicast, 0.0.0.0/8, broadcast and the reserved ranges. IPv4-mapped IPv6 (::ffff:127.0.0.1) is judged as the
 * IPv4 address it carries.
 */
export function forbiddenAddressReason(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  return range === 'unicast' ? null : `${range} address ${parsed.toString()}`;
}
