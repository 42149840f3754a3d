import {
  closestCenter,
  DndContext,
  KeyboardSensor,
  PointerSensor,
  useDraggable,
  useDroppable,
  useSensor,
  useSensors,
  type DragEndEvent,
} from '@dnd-kit/core';
import { SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { useEffect, useId, useMemo, useRef, useState, type CSSProperties, type ReactNode } from 'react';
import { useTranslation } from '../../i18n';
import { localized } from '../../text';
import { seededShuffle } from '../shuffle';
import type { ItemInputProps } from './props';
import { placesFor, rankingAnswer, readRanking, tiedWithAbove } from './tiedRanking';

/** The droppable ids beside the options' own: the next free place, and the pool of unranked options. */
const SLOT = '\u0000slot';
const POOL = '\u0000pool';

/** The ranked places: the value's known options, each once, at most k. */
export function rankedPlaces(value: unknown, all: string[], k: number): string[] {
  if (!Array.isArray(value)) return [];
  const out: string[] = [];
  for (const id of value) if (typeof id === 'string' && all.includes(id) && !out.includes(id)) out.push(id);
  return out.slice(0, k);
}

/** The places after a move of id to place `to` (0-based; -1 takes it out); a full list drops its last place. */
export function moveTo(ranked: string[], id: string, to: number, k: number): string[] {
  const rest = ranked.filter((x) => x !== id);
  if (to < 0) return rest;
  const at = Math.min(to, rest.length);
  return [...rest.slice(0, at), id, ...rest.slice(at)].slice(0, k);
}

/**
 * A ranking. It starts empty: the expert chooses options into the places
 * ("Auf Platz 2") and can move them (↑ ↓) and take them out (✕) again, with
 * the buttons, by dragging (pointer, or keyboard: Space picks up the handle,
 * the arrow keys move, Space drops), so no order is suggested. The options
 * not ranked are shown in an order of the expert's own (seed: pseudonym and
 * item id; the item's randomize_options: false keeps the study's order) and
 * keep it while options come and go. The value is exactly the ranked places;
 * it answers the item once k places (all options without top_k) are filled.
 * When the item allows ties, each place but the first has a "same place as
 * above" switch (a checkbox, so the keyboard reaches it); the value is then
 * {order, places} (tiedRanking.ts) while any tie is set.
 */
export function RankingInput({ item, value, onChange, lang, legend, previous, disabled, seed }: ItemInputProps) {
  const { t } = useTranslation();
  const uid = useId();
  const all = useMemo(() => (item.options ?? []).map((o) => o.id), [item.options]);
  const k = item.top_k && item.top_k > 0 && item.top_k < all.length ? item.top_k : all.length;
  const shown = useMemo(
    () => (item.randomize_options === false ? all : seededShuffle(all, `${seed ?? ''}|${item.id}`)),
    [all, item.randomize_options, item.id, seed],
  );
  const read = readRanking(value);
  const ranked = rankedPlaces(read.order, all, k);
  const ties = item.ties === true;
  const tied = ties ? tiedWithAbove(read).filter((id) => ranked.indexOf(id) > 0) : [];
  const places = placesFor(ranked, tied);
  const pool = shown.filter((id) => !ranked.includes(id));
  const full = ranked.length >= k;
  const prevRead = readRanking(previous);
  const prevPlace = (id: string) => {
    const i = prevRead.order.indexOf(id);
    return i < 0 ? 0 : (prevRead.places[i] ?? i + 1);
  };
  /** Hands on the order with the ties that still apply (a plain list on an item without ties). */
  const emit = (order: string[], tiedIds: string[]) =>
    onChange(ties ? rankingAnswer(order, tiedIds.filter((x) => order.indexOf(x) > 0)) : order);
  const label = (id: string) => localized(item.options?.find((o) => o.id === id)?.label, lang) || id;

  // After a move the moved option's control gets the focus back (its element moved in the DOM).
  const root = useRef<HTMLFieldSetElement>(null);
  const [focus, setFocus] = useState<{ id: string; control: string } | null>(null);
  const [said, setSaid] = useState('');
  useEffect(() => {
    if (!focus) return;
    const sel = (c: string) => root.current?.querySelector<HTMLElement>(`[data-focus="${CSS.escape(`${focus.id}:${c}`)}"]:not(:disabled)`);
    (sel(focus.control) ?? sel('handle') ?? sel('add'))?.focus();
    setFocus(null);
  }, [focus]);

  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );

  /** Moves id to place `to` (-1: out); focus: which control gets the focus then (buttons only). */
  const apply = (id: string, to: number, focusOn?: { id: string; control: string }) => {
    const next = moveTo(ranked, id, to, k);
    const at = next.indexOf(id);
    setSaid(at < 0 ? t('ranking.removed', { label: label(id) }) : t('ranking.movedTo', { label: label(id), position: at + 1 }));
    if (focusOn) setFocus(focusOn);
    emit(next, tied.filter((x) => x !== id)); // a moved option takes a place of its own
  };
  /** Puts id on the place of the option above it, or back on a place of its own. */
  const toggleTie = (id: string) => {
    const i = ranked.indexOf(id);
    const on = !tied.includes(id);
    const next = on ? [...tied, id] : tied.filter((x) => x !== id);
    const at = placesFor(ranked, next)[i] ?? i + 1;
    setSaid(on ? t('ranking.tied', { label: label(id), position: at }) : t('ranking.untied', { label: label(id), position: at }));
    emit(ranked, next);
  };
  /** Adding keeps the focus in the pool (on the next option) until the places are full. */
  const add = (id: string) => {
    const i = pool.indexOf(id);
    const neighbour = pool[i + 1] ?? pool[i - 1];
    apply(id, ranked.length, ranked.length + 1 < k && neighbour ? { id: neighbour, control: 'add' } : { id, control: 'handle' });
  };
  const onDragEnd = ({ active, over }: DragEndEvent) => {
    if (!over) return;
    const id = String(active.id);
    const target = String(over.id);
    if (target === id) return;
    if (target === POOL || pool.includes(target)) {
      if (ranked.includes(id)) apply(id, -1);
    } else if (target === SLOT) {
      apply(id, ranked.includes(id) ? ranked.length - 1 : ranked.length);
    } else if (ranked.includes(target)) {
      apply(id, ranked.indexOf(target));
    }
  };
  const place = (id: string | number) => {
    const i = ranked.indexOf(String(id));
    return i >= 0 ? i + 1 : ranked.length + 1;
  };
  const where = (over: { id: string | number } | null) =>
    !over ? '' : String(over.id) === POOL || pool.includes(String(over.id)) ? 'pool' : String(over.id) === SLOT ? 'slot' : 'place';
  const announcements = {
    onDragStart: ({ active }: { active: { id: string | number } }) => t('ranking.picked', { label: label(String(active.id)) }),
    onDragOver: ({ active, over }: { active: { id: string | number }; over: { id: string | number } | null }) => {
      const w = where(over);
      if (!w || !over) return undefined;
      return w === 'pool'
        ? t('ranking.overPool', { label: label(String(active.id)) })
        : t('ranking.over', { label: label(String(active.id)), position: place(over.id) });
    },
    onDragEnd: ({ active, over }: { active: { id: string | number }; over: { id: string | number } | null }) => {
      const w = where(over);
      if (!w || !over) return t('ranking.cancelled', { label: label(String(active.id)) });
      return w === 'pool'
        ? t('ranking.removed', { label: label(String(active.id)) })
        : t('ranking.movedTo', { label: label(String(active.id)), position: Math.min(place(over.id), k) });
    },
    onDragCancel: ({ active }: { active: { id: string | number } }) => t('ranking.cancelled', { label: label(String(active.id)) }),
  };

  const hint = `${uid}-hint`;
  const placesTitle = `${uid}-places`;
  const poolTitle = `${uid}-pool`;
  return (
    <fieldset className="ranking" aria-describedby={hint} ref={root}>
      <legend className="q-legend">{legend}</legend>
      <p id={hint} className="muted small">
        {k < all.length ? t('ranking.hintTopK', { count: k }) : t('ranking.hintAll')} {t('ranking.keyboard')}
        {ties && <> {t('ranking.tiesHint')}</>}
      </p>
      <p className="ranking-status" data-complete={full || undefined}>
        {full ? t('ranking.complete', { k }) : t('ranking.status', { filled: ranked.length, k })}
      </p>
      <p className="visually-hidden" role="status">
        {said}
      </p>
      <DndContext
        sensors={sensors}
        collisionDetection={closestCenter}
        onDragEnd={onDragEnd}
        accessibility={{ announcements, screenReaderInstructions: { draggable: t('ranking.instructions') } }}
      >
        <p id={placesTitle} className="ranking-title">
          {t('ranking.placesTitle')}
        </p>
        <SortableContext items={ranked} strategy={verticalListSortingStrategy}>
          <ol className="ranking-list ranking-places" aria-labelledby={placesTitle}>
            {ranked.map((id, i) => (
              <RankedOption
                key={id}
                id={id}
                index={i}
                place={places[i] ?? i + 1}
                label={label(id)}
                last={i === ranked.length - 1}
                previousRank={prevPlace(id)}
                tie={ties && i > 0 ? { on: tied.includes(id), above: label(ranked[i - 1]!), toggle: () => toggleTie(id) } : undefined}
                disabled={disabled}
                onUp={() => apply(id, i - 1, { id, control: 'up' })}
                onDown={() => apply(id, i + 1, { id, control: 'down' })}
                onRemove={() => apply(id, -1, { id, control: 'add' })}
              />
            ))}
            {!full && <FreePlace position={ranked.length + 1} disabled={disabled} />}
          </ol>
        </SortableContext>
        <p id={poolTitle} className="ranking-title">
          {item.randomize_options === false ? t('ranking.poolTitle') : t('ranking.poolTitleShuffled')}
        </p>
        <Pool labelledBy={poolTitle} empty={pool.length === 0}>
          {pool.map((id) => (
            <PoolOption
              key={id}
              id={id}
              label={label(id)}
              next={full ? 0 : ranked.length + 1}
              previousRank={prevPlace(id)}
              disabled={disabled}
              onAdd={() => add(id)}
            />
          ))}
        </Pool>
        {full && pool.length > 0 && !disabled && <p className="muted small">{t('ranking.full')}</p>}
      </DndContext>
    </fieldset>
  );
}

function dragStyle(transform: { x: number; y: number } | null, transition?: string): CSSProperties {
  return {
    transform: transform ? `translate3d(${Math.round(transform.x)}px, ${Math.round(transform.y)}px, 0)` : undefined,
    transition,
  };
}

/** The grip an option is dragged by (pointer, or keyboard: Space, the arrow keys, Space). */
function DragHandle({ id, label, disabled, props }: { id: string; label: string; disabled?: boolean | undefined; props: object }) {
  return (
    <button type="button" className="drag-handle" aria-label={label} disabled={disabled} data-focus={`${id}:handle`} {...props}>
      <span aria-hidden="true">⠿</span>
    </button>
  );
}

function PreviousRank({ rank }: { rank: number }) {
  const { t } = useTranslation();
  return rank > 0 ? <span className="prev-mark"> ({t('ranking.previousRank', { rank })})</span> : null;
}

interface RankedOptionProps {
  id: string;
  index: number;
  /** The place shown: index + 1, or the place of a tie group. */
  place: number;
  /** The "same place as above" switch, on items with ties (not on the first place). */
  tie?: { on: boolean; above: string; toggle: () => void } | undefined;
  label: string;
  last: boolean;
  previousRank: number;
  disabled?: boolean | undefined;
  onUp: () => void;
  onDown: () => void;
  onRemove: () => void;
}

/** A ranked place: its number, the drag handle, the option and ↑ ↓ ✕. */
function RankedOption({ id, index, place, tie, label, last, previousRank, disabled, onUp, onDown, onRemove }: RankedOptionProps) {
  const { t } = useTranslation();
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({ id, disabled: !!disabled });
  return (
    <li
      ref={setNodeRef}
      style={dragStyle(transform, transition)}
      className={`ranking-option${isDragging ? ' dragging' : ''}${tie?.on ? ' tied' : ''}`}
      data-option={id}
    >
      <span className="rank" aria-hidden="true">
        {place}
      </span>
      <DragHandle id={id} label={t('ranking.handle', { label, position: place })} disabled={disabled} props={{ ...attributes, ...listeners }} />
      <span className="ranking-label">
        {label}
        <PreviousRank rank={previousRank} />
      </span>
      <span className="ranking-buttons">
        <button type="button" onClick={onUp} disabled={disabled || index === 0} aria-label={t('ranking.up', { label })} data-focus={`${id}:up`}>
          <span aria-hidden="true">↑</span>
        </button>
        <button type="button" onClick={onDown} disabled={disabled || last} aria-label={t('ranking.down', { label })} data-focus={`${id}:down`}>
          <span aria-hidden="true">↓</span>
        </button>
        <button type="button" onClick={onRemove} disabled={disabled} aria-label={t('ranking.remove', { label })} data-focus={`${id}:remove`}>
          <span aria-hidden="true">✕</span>
        </button>
      </span>
      {tie && (
        <label className="ranking-tie">
          <input
            type="checkbox"
            checked={tie.on}
            onChange={tie.toggle}
            disabled={disabled}
            aria-label={t('ranking.tieLabel', { label, above: tie.above })}
            data-focus={`${id}:tie`}
          />{' '}
          <span aria-hidden="true">{t('ranking.tie')}</span>
        </label>
      )}
    </li>
  );
}

/** The next free place: a drop target, and a hint where to choose from. */
function FreePlace({ position, disabled }: { position: number; disabled?: boolean | undefined }) {
  const { t } = useTranslation();
  const { setNodeRef, isOver } = useDroppable({ id: SLOT, disabled: !!disabled });
  return (
    <li ref={setNodeRef} className={`ranking-option ranking-free${isOver ? ' over' : ''}`}>
      <span className="rank" aria-hidden="true">
        {position}
      </span>
      <span className="ranking-label muted">{t('ranking.freePlace', { position })}</span>
    </li>
  );
}

/** The options not ranked, a drop target that takes an option out of the ranking. */
function Pool({ labelledBy, empty, children }: { labelledBy: string; empty: boolean; children: ReactNode }) {
  const { t } = useTranslation();
  const { setNodeRef, isOver } = useDroppable({ id: POOL });
  return (
    <div ref={setNodeRef} className={`ranking-pool${isOver ? ' over' : ''}`}>
      {empty ? (
        <p className="muted small">{t('ranking.poolEmpty')}</p>
      ) : (
        <ul className="ranking-list" aria-labelledby={labelledBy}>
          {children}
        </ul>
      )}
    </div>
  );
}

interface PoolOptionProps {
  id: string;
  label: string;
  /** The place "add" puts it on; 0 when every place is taken. */
  next: number;
  previousRank: number;
  disabled?: boolean | undefined;
  onAdd: () => void;
}

/** An option not ranked: the drag handle, the option and "Auf Platz n". */
function PoolOption({ id, label, next, previousRank, disabled, onAdd }: PoolOptionProps) {
  const { t } = useTranslation();
  const { attributes, listeners, setNodeRef, transform, isDragging } = useDraggable({ id, disabled: !!disabled });
  return (
    <li ref={setNodeRef} style={dragStyle(transform)} className={`ranking-option unranked${isDragging ? ' dragging' : ''}`} data-option={id}>
      <DragHandle id={id} label={t('ranking.handlePool', { label })} disabled={disabled} props={{ ...attributes, ...listeners }} />
      <span className="ranking-label">
        {label}
        <PreviousRank rank={previousRank} />
      </span>
      {next > 0 && (
        <span className="ranking-buttons">
          <button type="button" onClick={onAdd} disabled={disabled} aria-label={t('ranking.addLabel', { label, position: next })} data-focus={`${id}:add`}>
            {t('ranking.add', { position: next })}
          </button>
        </span>
      )}
    </li>
  );
}
