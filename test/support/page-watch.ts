/**
 * Watches a browser context for everything that must not happen on the dashboard: a console error, an
 * uncaught page error, a failed request, an HTTP error the test did not announce, or any request to an origin
 * other than the app's (those are also blocked, so the page cannot depend on the network).
 */
import type { BrowserContext, ConsoleMessage, Page } from 'playwright-core';

export interface ExpectedHttpError {
  status: number;
  method?: string;
  path: RegExp;
}

export class PageWatch {
  readonly problems: string[] = [];
  private readonly expected = new Set<ExpectedHttpError>();
  /** `status url` of error responses the test expected; Chromium also logs each as a console error. */
  private readonly announced = new Set<string>();
  private navigating = 0;
  private stopped = false;

  private constructor(private readonly origin: string) {}

  static async attach(context: BrowserContext, appUrl: string): Promise<PageWatch> {
    const watch = new PageWatch(new URL(appUrl).origin);
    await context.route(
      (url) => url.origin !== watch.origin,
      async (route) => {
        watch.report(`request outside the app: ${route.request().method()} ${route.request().url()}`);
        await route.abort('blockedbyclient');
      },
    );
    context.on('requestfailed', (request) => {
      const error = request.failure()?.errorText ?? 'unknown error';
      // A reload cancels the polls in flight; that is the test's doing, not a failure of the page.
      if (watch.navigating > 0 && error === 'net::ERR_ABORTED') return;
      if (new URL(request.url()).origin !== watch.origin) return; // already reported by the route
      watch.report(`request failed: ${request.method()} ${request.url()} (${error})`);
    });
    context.on('response', (response) => {
      if (response.status() < 400) return;
      const request = response.request();
      const path = new URL(response.url()).pathname;
      const allowed = [...watch.expected].some(
        (rule) => rule.status === response.status() && rule.path.test(path) && (!rule.method || rule.method === request.method()),
      );
      if (allowed) watch.announced.add(`${response.status()} ${response.url()}`);
      else watch.report(`unexpected HTTP ${response.status()}: ${request.method()} ${response.url()}`);
    });
    return watch;
  }

  /** Listens to a page's console and errors (call for every page of the context). */
  page(page: Page): Page {
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() !== 'error') return;
      const status = /the server responded with a status of (\d+)/.exec(message.text())?.[1];
      if (status && this.announced.has(`${status} ${message.location().url}`)) return;
      this.report(`console error: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => this.report(`page error: ${error.message}`));
    return page;
  }

  /** Allows an HTTP error while `during` runs (e.g. the 400 of a settings validation the test provokes). */
  async expectHttpError<T>(rule: ExpectedHttpError, during: () => Promise<T>): Promise<T> {
    this.expected.add(rule);
    try {
      return await during();
    } finally {
      this.expected.delete(rule);
    }
  }

  /** Allows an HTTP error from now on (e.g. an endpoint this build of the app does not have). */
  allowHttpError(rule: ExpectedHttpError): void {
    this.expected.add(rule);
  }

  async navigation<T>(during: () => Promise<T>): Promise<T> {
    this.navigating++;
    try {
      return await during();
    } finally {
      this.navigating--;
    }
  }

  /** Stops recording (before the context closes and aborts whatever is in flight). */
  stop(): void {
    this.stopped = true;
  }

  private report(problem: string): void {
    if (!this.stopped) this.problems.push(problem);
  }
}
