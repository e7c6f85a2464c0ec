/**
 * One execution's Config Store lookups. Compute allows CONFIG_LOOKUPS_PER_EXECUTION per execution,
 * across every store, the application's own lookups included (reference/compute.md §4.2, §4.7).
 * An embedding application declares the lookups it makes (`configLookupsForResponse`, as it declares
 * its backend requests); the logger spends from what is left: the check before the response,
 * loading the configuration, then table.lookup.
 *
 * Owns that arithmetic and the store wrapper that keeps to it; not what is read (config/, format/).
 */
import { CONFIG_LOOKUPS_PER_EXECUTION } from '../config/index.js';
import type { ConfigLike } from '../platform/types.js';

/** A lookup the execution has no room for: refused here, never attempted on the platform. */
export class NoConfigLookupLeft extends Error {
  constructor(readonly lookups: ConfigLookups) {
    super(`no Config Store lookup left in this execution (${lookups.describe()})`);
    this.name = 'NoConfigLookupLeft';
  }
}

export class ConfigLookups {
  /** Lookups the logger made in this execution. */
  spent = 0;

  /** `declaredByApplication`: a whole number from 0 to CONFIG_LOOKUPS_PER_EXECUTION, checked by the caller. */
  constructor(readonly declaredByApplication = 0) {}

  /** What the logger may still spend in this execution. */
  get left(): number {
    return Math.max(0, CONFIG_LOOKUPS_PER_EXECUTION - this.declaredByApplication - this.spent);
  }

  /** `store`, with every `get` counted here; one past what is left throws NoConfigLookupLeft. */
  counted(store: ConfigLike): ConfigLike {
    return {
      get: (key) => {
        if (this.left === 0) throw new NoConfigLookupLeft(this);
        this.spent++;
        return store.get(key);
      },
    };
  }

  /** Where the lookups went, for reports: "Compute allows 32 per execution; the application declared 24 …". */
  describe(): string {
    const application =
      this.declaredByApplication > 0 ? `the application declared ${this.declaredByApplication} of its own (configLookupsForResponse)` : 'the application declared none of its own';
    return `Compute allows ${CONFIG_LOOKUPS_PER_EXECUTION} per execution; ${application}; the logger had spent ${this.spent}`;
  }
}
