import { ApiProblem, rememberKey, serviceInfo } from './api';
import { fill, h } from './dom';
import type { ServiceInfoResponse } from '../../../src/api/models';

/**
 * Asks for the API key until one is accepted; resolves with the service's description, read with it. The key is kept
 * for this tab only. A refusal shows the API's own message.
 */
export function askForKey(main: HTMLElement, reason: string | null): Promise<ServiceInfoResponse> {
  return new Promise((resolve) => {
    const input = h('input', {
      id: 'api-key',
      name: 'api-key',
      type: 'password',
      class: 'input',
      autocomplete: 'off',
      spellcheck: 'false',
      required: true,
    });
    const error = h('p', { class: 'form-error', role: 'alert' }, reason ?? '');
    const form = h(
      'form',
      { class: 'card key-form', 'aria-labelledby': 'key-title' },
      h('h1', { id: 'key-title' }, 'This API needs a key'),
      h(
        'p',
        { class: 'muted' },
        'Enter one of the API_KEYS this deployment was started with. It is kept for this tab only and sent with ' +
          'every request.',
      ),
      h('label', { for: 'api-key' }, 'API key'),
      input,
      error,
      h('button', { type: 'submit', class: 'button primary' }, 'Continue'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      rememberKey(input.value.trim());
      serviceInfo().then(resolve, (problem: unknown) => {
        rememberKey(null);
        error.textContent = problem instanceof ApiProblem ? problem.message : String(problem);
        input.select();
      });
    });
    fill(main, form);
    input.focus();
  });
}
