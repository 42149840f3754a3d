import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type { Group, ItemView } from '../api/types';
import { argumentsApi, type ArgumentPanel, type ArgumentsApi } from './api';
import { ItemArguments } from './ItemArguments';
import { TopArguments } from './TopArguments';
import './arguments.css';

export interface ArgumentSlots {
  /** The previous round's top arguments on the item, for its feedback. */
  top: (v: ItemView) => ReactNode;
  /** The open round's arguments on the item with the form for a new one. */
  box: (v: ItemView, readOnly: boolean) => ReactNode;
}

/**
 * The arguments between rounds of the expert's study, loaded once per round,
 * again after each change, and when `released` changes (feedback released by
 * an answer under hide_until_answered, whose top arguments come with it). A
 * study without arguments (or a server without them) shows nothing.
 */
export function useArguments(round: number, groups: Group[], lang: string, released = 0, client: ArgumentsApi = argumentsApi): ArgumentSlots {
  const [panel, setPanel] = useState<ArgumentPanel>();
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  useEffect(() => {
    const ctl = new AbortController();
    client.panel(ctl.signal).then(
      (p) => setPanel(p),
      () => {}, // no arguments here: nothing to show
    );
    return () => ctl.abort();
  }, [client, round, generation, released]);

  if (!panel?.enabled) return { top: () => null, box: () => null };
  return {
    top: (v) => {
      const top = panel.top[v.item.id];
      return top ? <TopArguments top={top} item={v.item} groups={groups} lang={lang} round={panel.round - 1} /> : null;
    },
    box: (v, readOnly) =>
      panel.round === round ? (
        <ItemArguments
          item={v.item}
          args={panel.arguments.filter((a) => a.item_id === v.item.id)}
          open={panel.open && !readOnly}
          maxPerItem={panel.max_per_item}
          maxLength={panel.max_length}
          groups={groups}
          lang={lang}
          client={client}
          onChanged={reload}
        />
      ) : null,
  };
}
