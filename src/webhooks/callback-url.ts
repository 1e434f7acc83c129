import { forbiddenAddressReason } from './address-policy';

export const MAX_CALLBACK_URL_LENGTH = 2_048;

/** Host names that are loopback by definition (RFC 6761), whatever a resolver says. */
const LOOPBACK_NAMES = /^(localhost|localhost\.localdomain)\.?$|\.localhost\.?$/i;

/**
 * Whether `raw` may be a run's callback: an absolute https URL without credentials, at most 2,048 characters, whose
 * host is not a literal private or loopback address nor a loopback name. With `allowPrivate` (development and tests)
 * http and such hosts pass. Names are resolved and checked again at every delivery, where a public name that
 * resolves to a private address is refused; this check only refuses what is wrong on its face.
 */
export function callbackUrlProblem(raw: string, options: { allowPrivate: boolean }): string | null {
  if (raw.length > MAX_CALLBACK_URL_LENGTH) return `longer than ${MAX_CALLBACK_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not an absolute URL';
  }
  if (url.protocol !== 'https:' && !(options.allowPrivate && url.protocol === 'http:')) {
    return options.allowPrivate ? 'the scheme must be https or http' : 'the scheme must be https';
  }
  if (url.username !== '' || url.password !== '') return 'credentials in the URL are not allowed';
  if (url.hash !== '') return 'a fragment is never sent to a server';
  if (options.allowPrivate) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (LOOPBACK_NAMES.test(host)) return `the host ${host} is loopback`;
  const literal = forbiddenAddressReason(host);
  if (literal !== null && literal !== 'not an IP address') return `the host is a ${literal}`;
  return null;
}
