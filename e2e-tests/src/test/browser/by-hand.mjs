// What the checks by hand (send-burst.mjs, reconnect-backlog.mjs) share: Debian's Chromium, headless, and one page
// of the gateway at BASE_URL. With PAGE_SOURCES (e.g. ../../../../chat-gateway/src/main/resources/static) the page's
// own files are served from there instead of the gateway, to try page changes without rebuilding the gateway.
import { chromium } from 'playwright-core';

export const BASE_URL = process.env.BASE_URL ?? 'http://localhost:8083';

/** Launches the browser and opens one page (not navigated yet). */
export async function openPage() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      ...(process.env.PAGE_SOURCES ? ['--disable-features=LocalNetworkAccessChecks'] : [])],
  });
  const context = await browser.newContext();
  if (process.env.PAGE_SOURCES) {
    const origin = new URL(BASE_URL).origin;
    await context.route((url) => url.origin === origin && (url.pathname === '/' || url.pathname.startsWith('/chat/')),
      (route) => {
        const path = new URL(route.request().url()).pathname;
        return route.fulfill({ path: `${process.env.PAGE_SOURCES}/${path === '/' ? 'index.html' : path}` });
      });
  }
  return { browser, context, page: await context.newPage() };
}
