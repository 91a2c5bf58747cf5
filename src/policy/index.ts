/** Public API of src/policy: policy files, the pure admission decision, and `policy convert` / `policy test`. */
export { parsePolicies, parsePolicySources, API_VERSION, KIND, type PolicySource, type ParsedPolicies } from './parse-policy.js';
export { readPolicyFiles, type PolicyFileSet } from './load.js';
export { evaluate, matchingPolicies, policyAppliesInNamespace, conditionFailure, type EvaluateOptions } from './evaluate.js';
export { requiredFacts, needsRegistry, needsVerification, verificationRequest } from './required-facts.js';
export { gatherFacts, offlineFacts, referenceFacts } from './gather-facts.js';
export { workloadImages, podSpecImages, podSpecPath, WORKLOAD_KINDS, type WorkloadImage, type WorkloadImages } from './workloads.js';
export { readManifests, type ManifestObject } from './manifests.js';
export { testManifests, type PolicyTestOptions } from './policy-test.js';
export { formatDecisionTable, formatDecisionJson, formatDecisionSarif, summarize, type ObjectDecision, type PolicyTestSummary } from './format-decision.js';
export { convertPolicyTexts, renderPolicies, type ConversionResult, type ConversionNote, type ConvertedPolicy } from './convert/convert.js';
export { parsePolicyImageRef, matchCandidates, DOCKER_HUB, type PolicyImageRef } from './reference.js';
export { imageGlobMatches, normalizeImageGlob } from './glob.js';
export { publicKeyId, certificateIds } from './keys.js';
export { signerMatches, identityMatches, notationIdentityMatches } from './signers.js';
export { PREDICATE_TYPE_ALIASES, expandPredicateType } from './predicate-types.js';
