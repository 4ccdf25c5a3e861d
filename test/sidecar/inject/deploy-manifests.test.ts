import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { NAMESPACE_LABEL } from '../../../sidecar/inject/annotations';
import { kubeSchemaErrors } from '../harness/kube-schema';

const WEBHOOK_YAML = path.join(__dirname, '../../../deploy/webhook/webhook.yaml');

describe('deploy/webhook/webhook.yaml', () => {
  const docs = parseAllDocuments(fs.readFileSync(WEBHOOK_YAML, 'utf8')).map((d) => d.toJS());

  it('validates against the Kubernetes schema', () => {
    expect(docs.flatMap(kubeSchemaErrors)).toEqual([]);
  });

  it("calls the server's paths, with namespace selectors matching what each path assumes", () => {
    const config = docs.find((d) => d.kind === 'MutatingWebhookConfiguration');
    const byPath = Object.fromEntries(config.webhooks.map((w: any) => [w.clientConfig.service.path, w.namespaceSelector.matchExpressions[0]])); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(byPath).toEqual({
      '/inject/namespace-enabled': { key: NAMESPACE_LABEL.key, operator: 'In', values: [NAMESPACE_LABEL.enabled] },
      '/inject': { key: NAMESPACE_LABEL.key, operator: 'NotIn', values: [NAMESPACE_LABEL.enabled] },
    });
  });
});
