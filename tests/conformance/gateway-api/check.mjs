// Validate Gateway API HTTPRoute objects with the models of @kubernetes-models/gateway-api
// (their JSON schemas, generated from the Gateway API CRDs).
// Usage: node check.mjs < OBJECTS.json  (a JSON list of objects)
// Prints `ok N` and exits 0 when every object is a valid HTTPRoute; otherwise prints one line per
// invalid object (`<index> <name>: <errors>`) and exits 1. Objects of any other kind are errors.
import fs from 'node:fs';
import { HTTPRoute as V1 } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { HTTPRoute as V1beta1 } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1beta1/HTTPRoute';

const models = {
  'gateway.networking.k8s.io/v1': V1,
  'gateway.networking.k8s.io/v1beta1': V1beta1,
};

const objects = JSON.parse(fs.readFileSync(0, 'utf8'));
if (!Array.isArray(objects)) {
  console.error('invalid input: expected a JSON list of objects');
  process.exit(2);
}
const failures = [];
objects.forEach((o, i) => {
  const name = o?.metadata?.name ?? '<no name>';
  const Model = o?.kind === 'HTTPRoute' ? models[o?.apiVersion] : undefined;
  if (!Model) {
    failures.push(`${i} ${name}: not a Gateway API HTTPRoute (${o?.apiVersion} ${o?.kind})`);
    return;
  }
  try {
    // The model keeps apiVersion and kind from the object; validate() checks the whole object.
    new Model(o).validate();
  } catch (e) {
    failures.push(`${i} ${name}: ${e.message}`);
  }
});
if (failures.length > 0) {
  console.error(failures.join('\n'));
  process.exit(1);
}
console.log(`ok ${objects.length}`);
