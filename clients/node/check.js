// Loads every .proto of proto/refseg/v1 with @grpc/proto-loader, checks the services are there, then
// streams two JPEG frames of the sample to a running refseg and expects the intake summary back.
// Environment: REFSEG_TARGET (default localhost:9000), REFSEG_SAMPLE (folder from `refseg synth --sample`).
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
const client = new refseg.Segmenter(target, grpc.credentials.createInsecure());
const call = client.Segment();
const events = [];
call.on('data', (e) => events.push(e));
call.on('error', (err) => { console.error('Segment failed:', err.code, err.details); process.exit(1); });
call.on('end', () => {
  const summary = events[events.length - 1].summary;
  assert.ok(summary, 'last event must be the summary');
  assert.strictEqual(summary.frames_in, 2);
  assert.strictEqual(summary.width, 320);
  console.log(`node client: ${files.length} protos loaded, Segment returned ${events.length} events`);
  console.log("node: 1 passed, 0 failed");
  client.close();
});
call.write({ start: { text: 'the green triangle' } });
for (let i = 0; i < 2; i++) {
  const data = fs.readFileSync(path.join(sample, 'frames', String(i).padStart(5, '0') + '.jpg'));
  call.write({ frame: { index: i, data } });
}
call.end();
