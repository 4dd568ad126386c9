/** Parsers for option values: a value they refuse is a usage error, which exits 2 before anything starts. */
import { InvalidArgumentError } from 'commander';
import { parseConsumerArg, type ConsumerSpec } from '../rotation/model';

/** Commander prints an InvalidArgumentError with the flag and value, then exits 2: nothing has started. */
export function argument<T>(parse: (value: string) => T) {
  return (value: string): T => {
    try {
      return parse(value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

type SafeParser<T> = { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } } };

/** An option value checked by a model schema, its messages joined as the reason. */
export function parseWith<T>(schema: SafeParser<T>) {
  return argument((value: string): T => {
    const result = schema.safeParse(value);
    if (!result.success) throw new Error(result.error.issues.map((i) => i.message).join('; '));
    return result.data;
  });
}

/** `--consumer` is repeatable: each value is parsed as it comes and added to the ones before. */
export const collectConsumers = (value: string, previous: ConsumerSpec[] = []) => [...previous, argument(parseConsumerArg)(value)];
