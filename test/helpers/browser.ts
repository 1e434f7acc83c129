import { readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { findChromium } from '../../scripts/lib/chromium';

/**
 * Debian's Chromium, headless, driven by playwright-core (its own browser downloads are not used). The flags keep it
 * from reaching for the network at start: background updates, component downloads, sync.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('Chromium is missing: `npm test` installs it (npm run setup -- --browser)');
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-gpu',
    ],
  });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core run in the page as it is: its serious and critical WCAG 2 A/AA violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern; the page itself loads no script.
  await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<unknown> } }).axe;
    const results = (await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] })) as {
      violations: AxeViolation[];
    };
    return results.violations;
  });
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

/**
 * Records, in the page, every value each progressbar's aria-valuenow takes (keyed by its step, or its label), so a
 * test can check that none ever went down. Bars of another run start their own series.
 */
export async function recordProgressbars(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Record<string, number[]> = {};
    (window as unknown as { progressSeen: Record<string, number[]> }).progressSeen = seen;
    const record = (bar: Element) => {
      const run = bar.closest<HTMLElement>('[data-run-id]')?.dataset['runId'] ?? '';
      const key = `${run}:${(bar as HTMLElement).dataset['step'] ?? bar.getAttribute('aria-label') ?? '?'}`;
      (seen[key] ??= []).push(Number(bar.getAttribute('aria-valuenow')));
    };
    document.querySelectorAll('[role=progressbar]').forEach(record);
    new MutationObserver((mutations) => {
      for (const mutation of mutations) {
        const target = mutation.target as Element;
        if (mutation.type === 'attributes' && target.getAttribute('role') === 'progressbar') record(target);
        for (const added of mutation.addedNodes) {
          if (added instanceof Element) added.querySelectorAll('[role=progressbar]').forEach(record);
        }
      }
    }).observe(document.body, { attributes: true, attributeFilter: ['aria-valuenow'], subtree: true, childList: true });
  });
}

export function progressSeen(page: Page): Promise<Record<string, number[]>> {
  return page.evaluate(() => (window as unknown as { progressSeen: Record<string, number[]> }).progressSeen);
}

/** Waits until a step's progressbar on the page shows more than `percent`. */
export async function waitForStepAbove(page: Page, step: string, percent: number, timeoutMs = 30_000): Promise<void> {
  await page.waitForFunction(
    ({ name, above }) =>
      Number(document.querySelector(`[role=progressbar][data-step=${name}]`)?.getAttribute('aria-valuenow')) > above,
    { name: step, above: percent },
    { timeout: timeoutMs },
  );
}

/** Fails naming the first series of progressbar values (see recordProgressbars) that ever went down. */
export function expectNeverFell(seen: Record<string, number[]>): void {
  for (const [key, values] of Object.entries(seen)) {
    for (let i = 1; i < values.length; i += 1) {
      if (values[i]! < values[i - 1]!) throw new Error(`${key} went down: ${values.join(' → ')}`);
    }
  }
}
