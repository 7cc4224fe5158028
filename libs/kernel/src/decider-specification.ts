import { fold, type Decider, type DomainEvent } from './decider';
import { DomainError } from './domain-error';

/**
 * Given/When/Then for deciders, with no test-framework import so it runs under any runner:
 * `spec.given([...events]).when(command).then([...events])` or `.thenThrows('CODE')`.
 */
export function deciderSpecification<C, E extends DomainEvent, S, X>(
  decider: Decider<C, E, S, X>,
  context: X,
) {
  return {
    given(events: E[]) {
      return {
        when(command: C) {
          const run = () => decider.decide(command, fold(decider, events), context);
          return {
            then(expected: E[]): void {
              const actual = run();
              const a = JSON.stringify(actual);
              const b = JSON.stringify(expected);
              if (a !== b) throw new Error(`expected events\n  ${b}\nbut got\n  ${a}`);
            },
            thenThrows(code: string, message?: RegExp): void {
              let thrown: unknown;
              try {
                const produced = run();
                thrown = new Error(`expected ${code} but got events ${JSON.stringify(produced)}`);
              } catch (error) {
                thrown = error;
              }
              if (!(thrown instanceof DomainError) || thrown.code !== code)
                throw thrown instanceof Error ? thrown : new Error(String(thrown));
              if (message && !message.test(thrown.message))
                throw new Error(
                  `expected message matching ${String(message)}, got "${thrown.message}"`,
                );
            },
          };
        },
      };
    },
  };
}
