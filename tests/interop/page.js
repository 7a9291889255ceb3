// A browser peer on a signaling channel, with the official Kinesis Video WebRTC SDK (KVSWebRTC).
// The test gives the configuration in the query string: ?role=VIEWER|MASTER&channelARN=...&
// endpoint=ws://...&region=...&clientId=... It reports through window.kvsResult (the driver waits
// for it) and window.kvsLog.
"use strict";

const params = new URLSearchParams(location.search);
const config = {
  role: params.get("role"),
  channelARN: params.get("channelARN"),
  endpoint: params.get("endpoint"),
  region: params.get("region"),
  clientId: params.get("clientId") || undefined,
};
window.kvsLog = [];
const log = (text) => { window.kvsLog.push(text); console.log(text); };

// The SDK's default signer refuses endpoints that are not wss://, and the local endpoint serves
// ws:// for now: this signer asks the test's page server, which signs the ws:// URL with
// kvs_chime.webrtc.presigned_url (SigV4 query signing, as the SDK's own signer does for wss://).
const requestSigner = {
  async getSignedURL(endpoint, queryParams) {
    const query = new URLSearchParams({ endpoint, ...queryParams });
    const response = await fetch("/sign?" + query.toString());
    if (!response.ok) throw new Error("signing failed: " + response.status);
    return response.text();
  },
};

function signalingClient() {
  return new KVSWebRTC.SignalingClient({
    channelARN: config.channelARN,
    channelEndpoint: config.endpoint,
    role: config.role === "MASTER" ? KVSWebRTC.Role.MASTER : KVSWebRTC.Role.VIEWER,
    clientId: config.role === "MASTER" ? undefined : config.clientId,
    region: config.region,
    requestSigner,
    systemClockOffset: 0,
  });
}

// On loopback host candidates are enough (the local endpoint lists no TURN server by default).
const rtcConfig = { iceServers: [] };

async function inboundVideoStats(pc) {
  const stats = await pc.getStats();
  let framesDecoded = 0;
  stats.forEach((report) => {
    if (report.type === "inbound-rtp" && report.kind === "video") framesDecoded += report.framesDecoded || 0;
  });
  return framesDecoded;
}

async function viewer() {
  const client = signalingClient();
  const pc = new RTCPeerConnection(rtcConfig);
  const video = document.getElementById("remote");
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.addEventListener("track", (event) => {
    video.srcObject = event.streams[0] || new MediaStream([event.track]);
  });
  pc.addEventListener("icecandidate", ({ candidate }) => {
    if (candidate) client.sendIceCandidate(candidate); // trickled, as browsers do
  });
  pc.addEventListener("connectionstatechange", () => log("viewer pc " + pc.connectionState));
  client.on("open", async () => {
    log("viewer signaling open");
    await pc.setLocalDescription(await pc.createOffer());
    client.sendSdpOffer(pc.localDescription);
  });
  client.on("sdpAnswer", async (answer) => {
    log("viewer got answer");
    await pc.setRemoteDescription(answer);
  });
  client.on("iceCandidate", (candidate) => pc.addIceCandidate(candidate));
  client.on("error", (error) => log("viewer signaling error " + error));
  client.open();
  // Done once the video element has a picture and the decoder has frames.
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const framesDecoded = await inboundVideoStats(pc);
    if (video.videoWidth > 0 && framesDecoded > 5) {
      window.kvsResult = { videoWidth: video.videoWidth, videoHeight: video.videoHeight, framesDecoded };
      client.close();
      pc.close();
      return;
    }
  }
}

async function master() {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: false });
  document.getElementById("local").srcObject = stream;
  const client = signalingClient();
  const peers = {};
  client.on("open", () => {
    log("master signaling open");
    window.kvsReady = true;
  });
  client.on("sdpOffer", async (offer, remoteClientId) => {
    log("master got offer from " + remoteClientId);
    const pc = new RTCPeerConnection(rtcConfig);
    peers[remoteClientId] = pc;
    stream.getTracks().forEach((track) => pc.addTrack(track, stream));
    pc.addEventListener("icecandidate", ({ candidate }) => {
      if (candidate) client.sendIceCandidate(candidate, remoteClientId);
    });
    pc.addEventListener("connectionstatechange", () => log("master pc " + pc.connectionState));
    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription(await pc.createAnswer());
    client.sendSdpAnswer(pc.localDescription, remoteClientId);
  });
  client.on("iceCandidate", (candidate, remoteClientId) => {
    const pc = peers[remoteClientId];
    if (pc) pc.addIceCandidate(candidate);
  });
  client.on("error", (error) => log("master signaling error " + error));
  client.open();
}

(config.role === "MASTER" ? master() : viewer()).catch((error) => {
  window.kvsResult = { error: String(error) };
});
