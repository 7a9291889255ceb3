// The KVS WebRTC SDK for JavaScript's SignalingClient, unchanged (its default SigV4 signer), opening
// a channel's signaling WebSocket as MASTER: prints "open", then "closed", and exits 0.
// Arguments: channel ARN, WSS endpoint, region. Trusts the local CA through NODE_EXTRA_CA_CERTS.
"use strict";
const { SignalingClient, Role } = require("amazon-kinesis-video-streams-webrtc");

const [channelARN, channelEndpoint, region] = process.argv.slice(2);
const client = new SignalingClient({
  channelARN,
  channelEndpoint,
  role: Role.MASTER,
  region,
  credentials: { accessKeyId: "testing", secretAccessKey: "testing", sessionToken: "testing" },
  systemClockOffset: 0,
});
const timer = setTimeout(() => {
  console.log("timeout");
  process.exit(2);
}, 15000);
client.on("open", () => {
  console.log("open");
  client.close();
});
client.on("close", () => {
  console.log("closed");
  clearTimeout(timer);
  process.exit(0);
});
client.on("error", (error) => {
  console.log("error " + (error && error.message ? error.message : String(error)));
});
client.open();
