/** A Standard Webhooks secret: `whsec_` and the base64 of at least 24 random bytes. */
export const WEBHOOK_SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]{32,}={0,2}$/;
