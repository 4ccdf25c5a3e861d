import type { IPod } from 'kubernetes-models/v1/Pod';
import { InvalidInputError } from '../../src/errors';
import type { InjectionConfig } from './injection-config';
import { mutatePod, type Mutation } from './mutate-pod';

/**
 * `admission.k8s.io/v1` AdmissionReview in, AdmissionReview out: the pure half of the
 * webhook. A pod whose Loom annotations are wrong is denied with the problems as the
 * message kubectl prints; a pod that is not to be injected is allowed unchanged.
 */
export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

interface AdmissionRequest {
  uid: string;
  kind?: { group?: string; version?: string; kind?: string };
  subResource?: string;
  namespace?: string;
  operation?: string;
  object?: IPod;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  patchType?: 'JSONPatch';
  /** base64 of the JSON Patch. */
  patch?: string;
  status?: { code: number; message: string };
  warnings?: string[];
}

export interface AdmissionReviewResponse {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

/** A body that is not an AdmissionReview at all: there is no uid to answer to. */
export class NotAnAdmissionReviewError extends InvalidInputError {}

export interface ReviewOutcome {
  review: AdmissionReviewResponse;
  /** What happened, for the log. */
  mutation?: Mutation;
}

export function reviewPodAdmission(body: unknown, namespaceLabels: Record<string, string>, config: InjectionConfig): ReviewOutcome {
  const request = admissionRequest(body);
  const answer = (response: Omit<AdmissionResponse, 'uid'>, mutation?: Mutation): ReviewOutcome => ({
    review: { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response: { uid: request.uid, ...response } },
    mutation,
  });
  const isPodCreate = request.kind?.kind === 'Pod' && (request.kind.group ?? '') === '' && request.operation === 'CREATE' && !request.subResource;
  if (!isPodCreate || !request.object) return answer({ allowed: true });

  // The pod's own namespace field is often empty at admission; the request's is authoritative.
  const pod = { ...request.object, metadata: { ...request.object.metadata, namespace: request.namespace ?? request.object.metadata?.namespace } };
  try {
    const mutation = mutatePod(pod, namespaceLabels, config);
    if (!mutation.injected) return answer({ allowed: true }, mutation);
    return answer(
      {
        allowed: true,
        patchType: 'JSONPatch',
        patch: Buffer.from(JSON.stringify(mutation.patch)).toString('base64'),
        ...(mutation.warnings.length > 0 ? { warnings: mutation.warnings } : {}),
      },
      mutation,
    );
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    return answer({ allowed: false, status: { code: 400, message: `Loom sidecar injection refused this pod: ${err.message}` } });
  }
}

function admissionRequest(body: unknown): AdmissionRequest {
  const review = body as { apiVersion?: unknown; kind?: unknown; request?: { uid?: unknown } } | null;
  if (typeof review !== 'object' || review === null || review.apiVersion !== ADMISSION_API_VERSION || review.kind !== 'AdmissionReview' || typeof review.request?.uid !== 'string') {
    throw new NotAnAdmissionReviewError([
      { source: 'request body', message: `expected an AdmissionReview (apiVersion ${ADMISSION_API_VERSION}, kind AdmissionReview) with request.uid` },
    ]);
  }
  return review.request as AdmissionRequest;
}
