// Opens a page in Debian's chromium (headless, no certificate-error flags: the test's NSS
// database under $HOME trusts the agent's and the portal's CAs) and prints what the page puts
// in `window.__result` as JSON, or fails after a timeout.
//
// Usage: node run.mjs URL [TIMEOUT_SECONDS]
import { chromium } from "playwright-core";

const [url, timeout = process.env.KYSO_PAGE_TIMEOUT || "90"] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    // Root in CI has no user namespace for the sandbox.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  const page = await browser.newPage();
  const console_lines = [];
  page.on("console", (message) => console_lines.push(`${message.type()}: ${message.text()}`));
  page.on("pageerror", (error) => console_lines.push(`pageerror: ${error}`));
  await page.goto(url);
  try {
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: Number(timeout) * 1000 });
  } catch (error) {
    // What the page said is what explains a page that never finished.
    console.error(console_lines.join("\n"));
    throw error;
  }
  const result = await page.evaluate(() => window.__result);
  console.log(JSON.stringify({ result, console: console_lines }));
} finally {
  await browser.close();
}
