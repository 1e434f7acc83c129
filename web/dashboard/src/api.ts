import type { ErrorEnvelope, MediaTokenResponse, ServiceInfoResponse } from '../../../src/api/models';

/** The API key, kept for this tab only (sessionStorage): closing the tab forgets it. */
const KEY_ITEM = 'reprocess.api-key';

export function apiKey(): string | null {
  return sessionStorage.getItem(KEY_ITEM);
}

export function rememberKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY_ITEM);
  else sessionStorage.setItem(KEY_ITEM, key);
}

/** An answer in the API's error envelope (or a network failure, code NETWORK), with the message to show. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

function authorization(): Record<string, string> {
  const key = apiKey();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

/** The envelope's code and message, or the status line when the body is not one. */
export async function problemOf(response: Response): Promise<ApiProblem> {
  const text = await response.text().catch(() => '');
  try {
    const { error } = JSON.parse(text) as ErrorEnvelope;
    return new ApiProblem(response.status, error.code, error.message, error.details);
  } catch {
    return new ApiProblem(response.status, `HTTP_${response.status}`, `${response.status} ${response.statusText}`);
  }
}

/** A request with the key; the answer when it is a success, else throws an ApiProblem. */
async function request(path: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: { ...authorization(), ...(init.headers ?? {}) } });
  } catch {
    throw new ApiProblem(0, 'NETWORK', 'The API cannot be reached: is the service running?');
  }
  if (!response.ok) throw await problemOf(response);
  return response;
}

/** A request with the key, answered in JSON (nothing for a 204). */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await request(path, init);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** A text file (a WebVTT) with the key. */
export async function apiText(path: string): Promise<string> {
  return (await request(path)).text();
}

export const postJson = <T>(path: string, body: unknown) =>
  api<T>(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

export const serviceInfo = () => api<ServiceInfoResponse>('/api/v1/service');

/**
 * Uploads a file with the key, reporting bytes sent: fetch cannot report an upload's progress, XMLHttpRequest can.
 * Resolves with the created video's JSON, or rejects with the API's refusal.
 */
export function upload<T>(form: FormData, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', '/api/v1/videos');
    for (const [name, value] of Object.entries(authorization())) request.setRequestHeader(name, value);
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener('load', () => {
      const response = new Response(request.responseText, { status: request.status, statusText: request.statusText });
      if (request.status >= 200 && request.status < 300) resolve(JSON.parse(request.responseText) as T);
      else void problemOf(response).then(reject);
    });
    request.addEventListener('error', () => reject(new ApiProblem(0, 'NETWORK', 'The upload was cut off')));
    request.send(form);
  });
}

/**
 * Media tokens for one video, where the key cannot be sent: its event stream, `<video>`, hls.js, images. None are
 * needed (null) when the API takes no keys. `renew` mints a new one after a TOKEN_EXPIRED or TOKEN_INVALID.
 */
export class MediaAccess {
  private token: string | null = null;

  constructor(
    readonly videoId: string,
    private readonly needed: boolean,
  ) {}

  async current(): Promise<string | null> {
    if (!this.needed) return null;
    return this.token ?? this.renew();
  }

  async renew(): Promise<string | null> {
    if (!this.needed) return null;
    const minted = await api<MediaTokenResponse>(`/api/v1/videos/${encodeURIComponent(this.videoId)}/tokens`, {
      method: 'POST',
    });
    this.token = minted.token;
    return this.token;
  }

  /** The URL as a browser element can fetch it: with `?token=` when one is needed. */
  sign(url: string, token = this.token): string {
    if (!token) return url;
    const signed = new URL(url, location.origin);
    signed.searchParams.set('token', token);
    return signed.pathname + signed.search;
  }

  /** Whether a refusal means the token must be renewed. */
  static isTokenProblem(problem: unknown): boolean {
    return problem instanceof ApiProblem && (problem.code === 'TOKEN_EXPIRED' || problem.code === 'TOKEN_INVALID');
  }
}
