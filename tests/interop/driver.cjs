// Open the interop page in headless Chromium (puppeteer-core, found through NODE_PATH) and print
// the page's window.kvsResult as JSON once it is set; exit 1 on timeout.
// Usage: node driver.cjs URL CHROMIUM USER_DATA_DIR TIMEOUT_MS
"use strict";
const puppeteer = require("puppeteer-core");

const [url, executablePath, userDataDir, timeout] = process.argv.slice(2);
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Loopback host candidates (Chromium hides them otherwise), fake camera, no permission prompt.
  "--allow-loopback-in-peer-connection",
  "--disable-features=WebRtcHideLocalIpsWithMdns",
  "--use-fake-ui-for-media-stream",
  "--use-fake-device-for-media-stream",
];

(async () => {
  const browser = await puppeteer.launch({ executablePath, headless: false, userDataDir, args: FLAGS });
  let status = 0;
  try {
    const page = await browser.newPage();
    page.on("console", (message) => console.error("page: " + message.text()));
    await page.goto(url);
    try {
      await page.waitForFunction("window.kvsResult !== undefined", { timeout: Number(timeout), polling: 100 });
      console.log(JSON.stringify(await page.evaluate("window.kvsResult")));
    } catch (error) {
      console.error("no result: " + error + "; log: " + JSON.stringify(await page.evaluate("window.kvsLog")));
      status = 1;
    }
  } finally {
    await browser.close();
  }
  process.exit(status);
})().catch((error) => {
  console.error(String(error));
  process.exit(2);
});
