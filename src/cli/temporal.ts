/** The CLI's Temporal connection: opened per command, closed when it ends, whatever happened. */
import type { Client } from '@temporalio/client';
import { connectClient } from '../operations';

export async function withClient<T>(run: (client: Client) => Promise<T>): Promise<T> {
  const { client, close } = await connectClient();
  try {
    return await run(client);
  } finally {
    await close();
  }
}
