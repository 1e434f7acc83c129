import type { ServiceInfoResponse } from '../../../src/api/models';
import { apiKey, ApiProblem, rememberKey, serviceInfo } from './api';
import { byId, fill, h } from './dom';
import { askForKey } from './key-prompt';
import { renderList } from './list-page';
import { pageContext, type PageContext } from './page';
import { renderVideo } from './video-page';

/** The dashboard's shell: asks for a key if the API wants one, then shows the page the URL names. */
async function boot(): Promise<void> {
  const main = byId('main');
  let info: ServiceInfoResponse;
  try {
    info = await serviceInfo();
  } catch (problem) {
    if (!(problem instanceof ApiProblem && problem.code === 'UNAUTHORIZED')) {
      fill(main, h('h1', {}, 'reprocess'), h('p', { class: 'form-error', role: 'alert' }, String(problem)));
      return;
    }
    // A key this tab remembered and the API no longer takes is said so; a first visit just asks.
    info = await askForKey(main, apiKey() ? problem.message : null);
  }
  const context = pageContext(info);
  showShell(info);
  let leave = show(main, context);
  let shownPath = location.pathname;
  document.addEventListener('click', (event) => {
    const link = (event.target as Element | null)?.closest<HTMLAnchorElement>('a[data-route]');
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
      return;
    event.preventDefault();
    history.pushState(null, '', link.pathname);
    shownPath = location.pathname;
    leave();
    leave = show(main, context);
    main.focus();
  });
  // A same-page link (#live-run, the skip link) fires popstate too: only a new path is a new page.
  window.addEventListener('popstate', () => {
    if (location.pathname === shownPath) return;
    shownPath = location.pathname;
    leave();
    leave = show(main, context);
  });
}

/** Renders the page for the current path; answers what to call when leaving it. */
function show(main: HTMLElement, context: PageContext): () => void {
  const match = /^\/videos\/([^/]+)$/.exec(location.pathname);
  if (match) {
    const id = decodeURIComponent(match[1]!);
    document.title = `${id} · reprocess`;
    return renderVideo(main, id, context);
  }
  document.title = 'Videos · reprocess';
  return renderList(main, context);
}

function showShell(info: ServiceInfoResponse): void {
  const temporal = byId<HTMLAnchorElement>('temporal-link');
  temporal.href = `${info.temporal.ui_url}/namespaces/${encodeURIComponent(info.temporal.namespace)}/workflows`;
  temporal.hidden = false;
  const keyState = byId('key-state');
  if (info.api_keys_required && apiKey()) {
    const forget = h('button', { type: 'button', class: 'button small' }, 'Forget key');
    forget.addEventListener('click', () => {
      rememberKey(null);
      location.reload();
    });
    fill(keyState, forget);
  }
}

void boot();
