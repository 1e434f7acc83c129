import { h } from './dom';

/**
 * A real progressbar (role, aria-valuenow/min/max and a readable valuetext) drawn as a bar. It holds the highest value
 * it was given until `reset`: the API's percentages never go down within a run, and a late or stale answer must not
 * make the bar seem to.
 */
export class ProgressBar {
  readonly element: HTMLDivElement;
  private readonly fill: HTMLDivElement;
  private value = 0;

  constructor(label: string) {
    this.fill = h('div', { class: 'bar-fill' });
    this.element = h(
      'div',
      {
        class: 'bar',
        role: 'progressbar',
        'aria-label': label,
        'aria-valuemin': 0,
        'aria-valuemax': 100,
        'aria-valuenow': 0,
      },
      this.fill,
    );
  }

  set(percent: number, state?: string): void {
    this.value = Math.max(this.value, Math.min(100, Math.max(0, percent)));
    const shown = Math.floor(this.value);
    this.element.setAttribute('aria-valuenow', String(shown));
    this.element.setAttribute('aria-valuetext', `${shown} %${state ? `, ${state}` : ''}`);
    this.fill.style.width = `${this.value}%`;
    if (state !== undefined) this.element.dataset['state'] = state;
  }

  reset(): void {
    this.value = 0;
    this.set(0);
  }
}
