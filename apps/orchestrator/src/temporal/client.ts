/** A Temporal client with one clear error when the server cannot be reached. */
import { Client, Connection } from '@temporalio/client';
import { TemporalUnavailableError } from '../embedded/dev-server.js';

export async function connectClient(address: string, namespace: string): Promise<{ client: Client; close(): Promise<void> }> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: 5000 });
    await connection.workflowService.describeNamespace({ namespace });
  } catch (error) {
    throw new TemporalUnavailableError(
      `cannot reach Temporal at ${address} (namespace ${namespace}): ${(error as Error).message.split('\n')[0]}`,
    );
  }
  return { client: new Client({ connection, namespace }), close: () => connection.close() };
}
