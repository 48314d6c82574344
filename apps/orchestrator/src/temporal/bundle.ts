/**
 * Build step (`npm run build`): bundles the workflow code once with the SDK's bundler into
 * dist/workflow-bundle.js, so workers start without running webpack.
 */
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_PATH, WORKFLOW_BUNDLER_OPTIONS, WORKFLOWS_PATH } from './worker.js';

const { code } = await bundleWorkflowCode({
  workflowsPath: WORKFLOWS_PATH,
  ...WORKFLOW_BUNDLER_OPTIONS,
  logger: { log() {}, trace() {}, debug() {}, info() {}, warn: (m) => console.error(m), error: (m) => console.error(m) },
});
writeFileSync(WORKFLOW_BUNDLE_PATH, code);
console.error(`workflow bundle: ${WORKFLOW_BUNDLE_PATH} (${(code.length / 1024).toFixed(0)} KiB)`);
