/**
 * The window's view of the pressure guard: subscribe to the `guard` event first, then ask
 * `getGuard` (so a change in between is not missed), and ask again after a reconnect (events were
 * lost while the link was down). A reply older than an event already received is dropped: the
 * newest state wins whichever arrives last.
 *
 * A main without a guard (an older service, a failed call) leaves the state null; the status bar
 * then says the guard has not reported, and the banner stays hidden. Nothing else in the window
 * depends on the guard.
 */
import { useEffect, useRef, useState } from 'react';
import type { HeadroomClient } from '../../contract/api';
import type { GuardState } from '../../contract/guard';
import type { Connection } from '../transport/connection';

/** The guard's latest state, or null until main has reported one. */
export function useGuard(client: HeadroomClient, connection: Connection): GuardState | null {
  const [guard, setGuard] = useState<GuardState | null>(null);
  // Bumped by every event; a getGuard reply started before an event is stale.
  const generation = useRef(0);

  useEffect(() => {
    const controller = new AbortController();
    const load = () => {
      const asked = generation.current;
      client.call('getGuard', {}).then(
        (state) => {
          if (!controller.signal.aborted && generation.current === asked) setGuard(state);
        },
        // No guard in this main, or the call failed: keep what we have (the status bar says so).
        () => undefined,
      );
    };
    client.subscribe(
      'guard',
      (state) => {
        generation.current++;
        setGuard(state);
      },
      controller.signal,
    );
    load();
    let previous = connection.state();
    const stop = connection.onChange((next) => {
      if (next === 'open' && previous === 'reconnecting') load();
      previous = next;
    });
    return () => {
      controller.abort();
      stop();
    };
  }, [client, connection]);

  return guard;
}
