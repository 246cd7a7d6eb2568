// Walks through `kyso-agent demo` as a newcomer would, in Debian's chromium: on the kyso.js
// page, approve then issue the sample decision, verify it and upload it; on the plugin page,
// a SignApproved call. Prints what each step showed as JSON.
//
// Usage: node demo.mjs ORIGIN THUMBPRINT (the certificate to choose in the page)
import { writeFileSync } from "node:fs";
import { chromium } from "playwright-core";

const [origin, thumbprint] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const steps = {};
const log = [];
try {
  const page = await browser.newPage();
  page.on("console", (message) => log.push(`${message.type()}: ${message.text()}`));
  const timeout = 60000;
  await page.goto(`${origin}/`);
  await page.waitForSelector("#status.ok, #status.error", { timeout });
  steps.status = await page.textContent("#status");
  await page.waitForSelector("#certs option", { state: "attached", timeout });
  await page.selectOption("#certs", thumbprint);
  for (const act of ["approve", "issue"]) {
    await page.click(`#act-${act}`);
    await page.waitForSelector("#result.ok, #result.error", { timeout });
    steps[act] = await page.textContent("#result");
    await page.evaluate(() => { document.getElementById("result").className = "muted"; });
  }
  if (process.env.SIGNED) {
    // The issued decision, for a person to look at (KYSO_DEMO_SIGNED in the test).
    const base64 = await page.evaluate(async () => {
      const bytes = new Uint8Array(await (await fetch(document.getElementById("download").href)).arrayBuffer());
      let text = "";
      for (const byte of bytes) text += String.fromCharCode(byte);
      return btoa(text);
    });
    writeFileSync(process.env.SIGNED, Buffer.from(base64, "base64"));
  }
  await page.click("#verify");
  await page.waitForSelector("#result.ok, #result.error", { timeout });
  steps.verify = await page.textContent("#result");
  await page.evaluate(() => { document.getElementById("result").className = "muted"; });
  await page.click("#upload");
  await page.waitForSelector("#result.ok, #result.error", { timeout });
  steps.upload = await page.textContent("#result");
  await page.screenshot({ path: process.env.SCREENSHOT || "/dev/null", fullPage: true }).catch(() => {});

  await page.goto(`${origin}/plugin.html`);
  await page.click("#op-SignApproved");
  await page.waitForFunction(() => document.getElementById("reply").textContent.includes("\"Status\""), null, { timeout });
  steps.plugin = JSON.parse(await page.textContent("#reply"));
} catch (error) {
  steps.error = String(error);
} finally {
  await browser.close();
}
console.log(JSON.stringify({ steps, console: log }));
