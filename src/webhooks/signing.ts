import { Webhook } from 'standardwebhooks';

/**
 * The `webhook-signature` header of one attempt: `v1,<base64 HMAC-SHA256 of id.timestamp.body>` for each secret,
 * space-separated, so a receiver that knows any one of them verifies it — which is how secrets are rotated. The
 * `standardwebhooks` package signs, the same code receivers verify with.
 */
export function signatureHeader(secrets: readonly string[], id: string, at: Date, body: string): string {
  if (secrets.length === 0) throw new Error('no webhook secret to sign with');
  return secrets.map((secret) => new Webhook(secret).sign(id, at, body)).join(' ');
}

/** The headers of one attempt; `webhook-id` stays the same on every retry of an event, so receivers can dedupe. */
export function webhookHeaders(secrets: readonly string[], id: string, at: Date, body: string) {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatureHeader(secrets, id, at, body),
  };
}
