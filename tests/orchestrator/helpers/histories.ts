/**
 * Recorded workflow histories (histories/*.json): the replay tests run them against the current
 * workflow bundle, so a workflow change that would break a running campaign fails a test.
 * `FUSELAB_RECORD_HISTORIES=1` makes those tests rewrite their files from the run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { temporal as proto } from '@temporalio/proto';

export const HISTORIES = fileURLToPath(new URL('../histories', import.meta.url));
export const RECORD_HISTORIES = process.env.FUSELAB_RECORD_HISTORIES === '1';
export type History = InstanceType<typeof proto.api.history.v1.History>;

// Fixtures are protobufjs' JSON object form of the History message. (The SDK's historyToJSON /
// historyFromJSON fail in this install: @temporalio/common and @temporalio/proto each carry their
// own copy of protobufjs, and its protojson rejects the other copy's types.)
export const historyToJson = (history: History) =>
  JSON.stringify(proto.api.history.v1.History.toObject(history, { longs: String, enums: String, bytes: String }));
export const historyFromJson = (json: unknown): History => proto.api.history.v1.History.fromObject(json as Record<string, unknown>);

/** histories/NAME.json as a History. */
export const readHistory = (file: string): History => historyFromJson(JSON.parse(readFileSync(join(HISTORIES, file), 'utf8')));

/** Writes histories/NAME.json (only when recording). */
export function writeHistory(name: string, history: unknown): void {
  writeFileSync(join(HISTORIES, `${name}.json`), `${historyToJson(history as History)}\n`);
}

/**
 * The activities and child workflows of `history` still open when the event `until` picks (the
 * first it matches) was recorded, as "activityType #eventId" / "child workflowId". A workflow
 * that waits for its work to stop before it records an outcome leaves none open.
 */
export function openWorkAt(history: History, until: (event: NonNullable<History['events']>[number]) => boolean): string[] {
  const events = history.events ?? [];
  const end = events.findIndex(until);
  if (end < 0) throw new Error('openWorkAt: no event matches');
  const open = new Map<string, string>();
  for (const event of events.slice(0, end)) {
    const id = String(event.eventId);
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) open.set(id, `${scheduled.activityType?.name} #${id}`);
    const child = event.startChildWorkflowExecutionInitiatedEventAttributes;
    if (child) open.set(id, `child ${child.workflowId}`);
    const closedActivity =
      event.activityTaskCompletedEventAttributes ??
      event.activityTaskFailedEventAttributes ??
      event.activityTaskCanceledEventAttributes ??
      event.activityTaskTimedOutEventAttributes;
    if (closedActivity) open.delete(String(closedActivity.scheduledEventId));
    const closedChild =
      event.childWorkflowExecutionCompletedEventAttributes ??
      event.childWorkflowExecutionFailedEventAttributes ??
      event.childWorkflowExecutionCanceledEventAttributes ??
      event.childWorkflowExecutionTimedOutEventAttributes ??
      event.childWorkflowExecutionTerminatedEventAttributes ??
      event.startChildWorkflowExecutionFailedEventAttributes;
    if (closedChild) open.delete(String(closedChild.initiatedEventId));
  }
  return [...open.values()];
}

/** The event that closes a workflow run, however it ended: for `openWorkAt`. */
export const closesTheRun = (event: NonNullable<History['events']>[number]): boolean =>
  Boolean(
    event.workflowExecutionCompletedEventAttributes ??
    event.workflowExecutionFailedEventAttributes ??
    event.workflowExecutionCanceledEventAttributes ??
    event.workflowExecutionTerminatedEventAttributes ??
    event.workflowExecutionTimedOutEventAttributes ??
    event.workflowExecutionContinuedAsNewEventAttributes,
  );
