import type { ServiceInfoResponse } from '../../../src/api/models';
import { apiKey, problemOf } from './api';

/** What every page gets from the shell: the deployment's description and a way to show a keyed image. */
export interface PageContext {
  info: ServiceInfoResponse;
  /** Shows a /media image in an `<img>`: by URL, or, under API keys, fetched with the key as a blob. */
  showImage: (image: HTMLImageElement, url: string) => Promise<void>;
}

export function pageContext(info: ServiceInfoResponse): PageContext {
  return {
    info,
    showImage: async (image, url) => {
      const key = apiKey();
      if (!info.api_keys_required || !key) {
        image.src = url;
        return;
      }
      const response = await fetch(url, { headers: { Authorization: `Bearer ${key}` } });
      if (!response.ok) {
        image.alt = (await problemOf(response)).message;
        return;
      }
      const blobUrl = URL.createObjectURL(await response.blob());
      image.addEventListener('load', () => URL.revokeObjectURL(blobUrl), { once: true });
      image.src = blobUrl;
    },
  };
}
