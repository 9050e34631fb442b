// Submits one task to an AgentMesh graph and prints its result, from Node.
//
//   node submit-and-wait.mjs --bootstrap localhost:9092 --registry http://localhost:8081 \
//     --graph support-triage --input '{"ticket":"refund please"}' [--avro --schema Task.avsc] [--timeout 60]
//
// With --avro the task is an Avro `io.agentmesh.schemas.avro.Task` in Confluent's wire format,
// registered by this client under <ingress>-value; without it, plain JSON (the documented shape).
// The result is read from <prefix>.<graph>.results (read_committed) and decoded through the registry.
import { Kafka, logLevel } from 'kafkajs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

function args() {
  const out = { prefix: 'mesh', timeout: '60', avro: false };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    if (name === 'avro') { out.avro = true; continue; }
    if (i + 1 >= argv.length) throw new Error(`--${name} needs a value`);
    out[name] = argv[++i];
  }
  for (const required of ['bootstrap', 'registry', 'graph', 'input']) {
    if (!out[required]) throw new Error(`missing --${required}`);
  }
  if (out.avro && !out.schema) throw new Error('--avro needs --schema (the path of Task.avsc)');
  return out;
}

const opts = args();
const kafka = new Kafka({ clientId: 'agentmesh-node-client', brokers: opts.bootstrap.split(','), logLevel: logLevel.ERROR });
const registry = new SchemaRegistry({ host: opts.registry });
const ingress = `${opts.prefix}.${opts.graph}.ingress`;
const results = `${opts.prefix}.${opts.graph}.results`;
const runId = opts.runId ?? randomUUID();
const input = JSON.parse(opts.input); // fails loudly on bad JSON before anything is sent

let value;
if (opts.avro) {
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema: readFileSync(opts.schema, 'utf8') },
    { subject: `${ingress}-value` });
  value = await registry.encode(id, {
    runId, graph: opts.graph, input: Buffer.from(JSON.stringify(input)), contentType: 'application/json',
    metadata: { client: 'node' }, deadline: null, idempotencyKey: null,
  });
} else {
  value = Buffer.from(JSON.stringify(input));
}

const consumer = kafka.consumer({ groupId: `node-client-${runId}`, readUncommitted: false });
await consumer.connect();
await consumer.subscribe({ topic: results, fromBeginning: false });
const result = new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`no result for ${runId} within ${opts.timeout}s`)), Number(opts.timeout) * 1000);
  consumer.run({
    eachMessage: async ({ message }) => {
      if (message.key?.toString() !== runId) return;
      clearTimeout(timer);
      resolve(await registry.decode(message.value));
    },
  }).catch(reject);
});
// wait until the consumer owns the results topic's partitions, so the result cannot slip past
await new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));

const producer = kafka.producer();
await producer.connect();
await producer.send({ topic: ingress, messages: [{ key: runId, value }] });
await producer.disconnect();

try {
  const decoded = await result;
  const output = decoded.output ? Buffer.from(decoded.output).toString('utf8') : null;
  console.log(JSON.stringify({ runId: decoded.runId, status: decoded.status, output, error: decoded.error }));
} finally {
  await consumer.disconnect();
}
