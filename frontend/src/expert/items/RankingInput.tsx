import {
  closestCenter,
  DndContext,
  KeyboardSensor,
  PointerSensor,
  useSensor,
  useSensors,
  type DragEndEvent,
} from '@dnd-kit/core';
import { arrayMove, SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { useTranslation } from '../../i18n';
import { localized } from '../../text';
import type { ItemInputProps } from './props';

/**
 * A ranking: drag the options (pointer, or keyboard: Space to pick up, the
 * arrow keys to move, Space to drop), or use the up/down buttons. With
 * top_k, the first k places count.
 */
export function RankingInput({ item, value, onChange, lang, legend, previous, disabled }: ItemInputProps) {
  const { t } = useTranslation();
  const all = (item.options ?? []).map((o) => o.id);
  const ranked = Array.isArray(value) ? value.filter((id) => all.includes(id)) : [];
  const order = [...ranked, ...all.filter((id) => !ranked.includes(id))];
  const k = item.top_k && item.top_k > 0 ? item.top_k : all.length;
  const answered = ranked.length > 0;
  const prev = Array.isArray(previous) ? previous : [];
  const label = (id: string) => localized(item.options?.find((o) => o.id === id)?.label, lang) || id;
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const emit = (o: string[]) => onChange(o.slice(0, k));
  const move = (from: number, to: number) => {
    if (to < 0 || to >= order.length) return;
    emit(arrayMove(order, from, to));
  };
  const onDragEnd = (e: DragEndEvent) => {
    if (!e.over || e.active.id === e.over.id) return;
    move(order.indexOf(String(e.active.id)), order.indexOf(String(e.over.id)));
  };
  const pos = (id: string | number) => order.indexOf(String(id)) + 1;
  const announcements = {
    onDragStart: ({ active }: { active: { id: string | number } }) =>
      t('ranking.picked', { label: label(String(active.id)), position: pos(active.id) }),
    onDragOver: ({ active, over }: { active: { id: string | number }; over: { id: string | number } | null }) =>
      over ? t('ranking.over', { label: label(String(active.id)), position: pos(over.id) }) : undefined,
    onDragEnd: ({ active, over }: { active: { id: string | number }; over: { id: string | number } | null }) =>
      t('ranking.dropped', { label: label(String(active.id)), position: over ? pos(over.id) : pos(active.id) }),
    onDragCancel: ({ active }: { active: { id: string | number } }) => t('ranking.cancelled', { label: label(String(active.id)) }),
  };
  const hint = `q-${item.id}-hint`;
  return (
    <fieldset className="ranking" aria-describedby={hint}>
      <legend>{legend}</legend>
      <p id={hint} className="muted small">
        {k < all.length ? t('ranking.hintTopK', { count: k }) : t('ranking.hintAll')} {t('ranking.keyboard')}
      </p>
      {!answered && !disabled && (
        <p className="ranking-unset">
          {t('ranking.notYet')}{' '}
          <button type="button" onClick={() => emit(order)}>
            {t('ranking.useOrder')}
          </button>
        </p>
      )}
      <DndContext
        sensors={sensors}
        collisionDetection={closestCenter}
        onDragEnd={onDragEnd}
        accessibility={{ announcements, screenReaderInstructions: { draggable: t('ranking.instructions') } }}
      >
        <SortableContext items={order} strategy={verticalListSortingStrategy}>
          <ol className="ranking-list">
            {order.map((id, i) => (
              <SortableOption
                key={id}
                id={id}
                index={i}
                label={label(id)}
                counted={i < k}
                last={i === order.length - 1}
                previousRank={prev.indexOf(id) + 1}
                disabled={disabled}
                onUp={() => move(i, i - 1)}
                onDown={() => move(i, i + 1)}
                answered={answered}
              />
            ))}
          </ol>
        </SortableContext>
      </DndContext>
    </fieldset>
  );
}

interface SortableOptionProps {
  id: string;
  index: number;
  label: string;
  counted: boolean;
  last: boolean;
  previousRank: number;
  answered: boolean;
  disabled?: boolean | undefined;
  onUp: () => void;
  onDown: () => void;
}

function SortableOption({ id, index, label, counted, last, previousRank, answered, disabled, onUp, onDown }: SortableOptionProps) {
  const { t } = useTranslation();
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({ id, disabled: !!disabled });
  const style = {
    transform: transform ? `translate3d(${Math.round(transform.x)}px, ${Math.round(transform.y)}px, 0)` : undefined,
    transition,
  };
  const cls = ['ranking-option', counted ? 'counted' : 'uncounted', isDragging ? 'dragging' : '', previousRank ? 'previous' : '']
    .filter(Boolean)
    .join(' ');
  return (
    <li ref={setNodeRef} style={style} className={cls} data-option={id}>
      <span className="rank" aria-hidden="true">
        {answered && counted ? index + 1 : '·'}
      </span>
      <button
        type="button"
        className="drag-handle"
        aria-label={t('ranking.handle', { label, position: index + 1 })}
        disabled={disabled}
        {...attributes}
        {...listeners}
      >
        <span aria-hidden="true">⠿</span>
      </button>
      <span className="ranking-label">
        {label}
        {previousRank > 0 && <span className="prev-mark"> ({t('ranking.previousRank', { rank: previousRank })})</span>}
      </span>
      <span className="ranking-buttons">
        <button type="button" onClick={onUp} disabled={disabled || index === 0} aria-label={t('ranking.up', { label })}>
          <span aria-hidden="true">↑</span>
        </button>
        <button type="button" onClick={onDown} disabled={disabled || last} aria-label={t('ranking.down', { label })}>
          <span aria-hidden="true">↓</span>
        </button>
      </span>
    </li>
  );
}
