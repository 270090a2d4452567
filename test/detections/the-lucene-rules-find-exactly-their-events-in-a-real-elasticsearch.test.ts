import { luceneRulesFindExactlyTheirEvents } from './support/engine-cases';

/**
 * Issue #24, proven in a real engine: every single-event rule's Lucene query (dist/elastic) run in
 * a real Elasticsearch that the real forwarder filled through its Elasticsearch sink as shipped (ECS,
 * default data stream and templates). The test cases sit among a day of simulated background
 * activity (1 % hostile strings, 1 % unknown types); each query must find exactly what the rule
 * means on the stored documents (pySigma's rule through claude_ecs), every firing case and no
 * near-miss. Correlations have no Lucene form (dist/support.json).
 */
luceneRulesFindExactlyTheirEvents('elasticsearch', 'elastic');
