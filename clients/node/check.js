// Loads every .proto of proto/refseg/v1 with @grpc/proto-loader, checks the services are there, then
// streams two JPEG frames of the sample to a running refseg and expects the intake summary back.
// Environment: REFSEG_TARGET (default localhost:9000), REFSEG_SAMPLE (folder from `refseg synth --sample`),
// REFSEG_API_KEY (sent as 'authorization: Bearer KEY'; then a call without it must end UNAUTHENTICATED),
// REFSEG_CA_CERT (PEM of the CAs to trust: TLS instead of plain text).
const path = require('path');
const fs = require('fs');
const assert = require('assert');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const protoDir = path.join(__dirname, '..', '..', 'proto');
const files = fs.readdirSync(path.join(protoDir, 'refseg', 'v1')).map((f) => path.join('refseg', 'v1', f));
const def = protoLoader.loadSync(files, { includeDirs: [protoDir], keepCase: true, longs: Number, defaults: true, oneofs: true });
const refseg = grpc.loadPackageDefinition(def).refseg.v1;
for (const svc of ['Segmenter', 'AudioReferent', 'KeySelection', 'Propagation', 'Inference']) {
  assert.ok(refseg[svc] && refseg[svc].service, `service ${svc} missing`);
}
assert.ok(refseg.Segmenter.service.Segment.requestStream && refseg.Segmenter.service.Segment.responseStream);

const target = process.env.REFSEG_TARGET || 'localhost:9000';
const sample = process.env.REFSEG_SAMPLE || path.join(__dirname, '..', '..', 'target', 'sample');
const apiKey = process.env.REFSEG_API_KEY;
const caCert = process.env.REFSEG_CA_CERT;
// Metadata per call rather than call credentials: grpc-js composes those with TLS channels only.
const withKey = new grpc.Metadata();
if (apiKey) {
  withKey.set('authorization', `Bearer ${apiKey}`);
}
const credentials = caCert ? grpc.credentials.createSsl(fs.readFileSync(caCert)) : grpc.credentials.createInsecure();
const client = new refseg.Segmenter(target, credentials);

// One Segment call of two frames with this metadata: resolves to { events, error }.
function segment(metadata) {
  return new Promise((resolve) => {
    const call = client.Segment(metadata);
    const events = [];
    call.on('data', (e) => events.push(e));
    call.on('error', (error) => resolve({ events, error }));
    call.on('end', () => resolve({ events }));
    call.write({ start: { text: 'the green triangle' } });
    for (let i = 0; i < 2; i++) {
      const data = fs.readFileSync(path.join(sample, 'frames', String(i).padStart(5, '0') + '.jpg'));
      call.write({ frame: { index: i, data } });
    }
    call.end();
  });
}

(async () => {
  let passed = 0;
  if (apiKey) {
    const { error } = await segment(new grpc.Metadata());
    assert.ok(error && error.code === grpc.status.UNAUTHENTICATED,
      `a call without the key must end UNAUTHENTICATED: ${error ? `${error.code} ${error.details}` : 'it was served'}`);
    passed++;
  }
  const { events, error } = await segment(withKey);
  if (error) {
    console.error('Segment failed:', error.code, error.details);
    process.exit(1);
  }
  const summary = events[events.length - 1].summary;
  assert.ok(summary, 'last event must be the summary');
  assert.strictEqual(summary.frames_in, 2);
  assert.strictEqual(summary.width, 320);
  passed++;
  console.log(`node client: ${files.length} protos loaded, Segment returned ${events.length} events`
    + `${caCert ? ' over TLS' : ''}${apiKey ? ' with the API key (refused without)' : ''}`);
  console.log(`node: ${passed} passed, 0 failed`);
  client.close();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
