/**
 * A consumer map: `{"<name>": ["<consumer>", …], …}`, the consumers of each credential of a fleet by a name its
 * rotations keep (a Wallarm token's name, a SAM user's name), where the credential itself carries no tags to say so.
 * Every entry is checked here, before anything is planned or started.
 */
import { z } from 'zod';
import { parseConsumerArg, type ConsumerSpec } from './model';

export interface ConsumerMapEntries {
  /** what the names are, for messages: `token`, `SAM user` */
  entry: string;
  /** why a consumer cannot hold this credential, or undefined when it can */
  refuse?: (consumer: ConsumerSpec, arg: string) => string | undefined;
}

/** Parses the map's text; errors name the file and the entry, and say what is wrong. */
export function parseConsumerMapText(text: string, file: string, { entry, refuse }: ConsumerMapEntries): Map<string, ConsumerSpec[]> {
  const ConsumerMapFile = z.record(z.string().trim().min(1), z.array(z.string()).min(1, 'needs at least one consumer'), {
    error: `must be a JSON object mapping ${entry} names to lists of consumers`,
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`--consumer-map ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = ConsumerMapFile.safeParse(json);
  if (!parsed.success) {
    throw new Error(`--consumer-map ${file}: ${parsed.error.issues.map((i) => `${i.path.length > 0 ? `"${i.path.join('.')}" ` : ''}${i.message}`).join('; ')}`);
  }
  const map = new Map<string, ConsumerSpec[]>();
  for (const [name, consumers] of Object.entries(parsed.data)) {
    try {
      const specs = consumers.map((arg) => {
        const spec = parseConsumerArg(arg);
        const refused = refuse?.(spec, arg);
        if (refused !== undefined) throw new Error(refused);
        return spec;
      });
      if (new Set(consumers).size !== consumers.length) throw new Error('a consumer is listed twice');
      map.set(name, specs);
    } catch (err) {
      throw new Error(`--consumer-map ${file}, ${entry} "${name}": ${(err as Error).message.replace(/^--consumer /, '')}`);
    }
  }
  return map;
}
