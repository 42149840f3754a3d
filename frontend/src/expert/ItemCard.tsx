import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { localized } from '../text';
import { FeedbackPanel } from './FeedbackPanel';
import { inputs } from './items';
import type { Draft } from './outbox';
import type { AnswerValue, Group, ItemFeedback, ItemView, Scale } from '../api/types';
import { isEmptyValue, valueText } from './util';

export interface ItemCardProps {
  view: ItemView;
  /** The current draft (saved or queued); undefined when not answered. */
  draft: Draft | undefined;
  onChange: (d: Draft) => void;
  scales: Scale[] | null;
  groups: Group[];
  lang: string;
  round: number;
  /** Feedback released by a save (hide_until_answered). */
  feedback?: ItemFeedback | undefined;
  justify: boolean;
  /** The server's needs_justification of the stored answer: it lies outside the previous round's IQR and has no justification yet. */
  needsJustification?: boolean | undefined;
  readOnly?: boolean;
  /** The server refused the last save (e.g. invalid value). */
  error?: string | undefined;
  /** The study's min_group_n, for the text of a suppressed group. */
  minGroupN: number;
}

/**
 * One question: the input for its type, the expert's previous answer and
 * the panel's feedback (from round 2 on), the comment and, when the answer
 * lies outside the previous round's IQR, the justification.
 *
 * A carried-over item starts with the previous answer pre-selected; it is
 * saved (and counts as answered) only once the expert changes it or presses
 * "keep my answer", so an untouched item is never mistaken for a confirmed
 * one.
 */
export function ItemCard({ view, draft, onChange, scales, groups, lang, round, feedback, justify, needsJustification, readOnly, error, minGroupN }: ItemCardProps) {
  const { t } = useTranslation();
  const hid = useId();
  const { item } = view;
  const Input = inputs[item.type];
  const previous = view.previous?.value ?? null;
  const preselected = !draft && !isEmptyValue(previous) && !readOnly;
  const shown: AnswerValue = draft ? draft.value : preselected ? previous : null;
  const base: Draft = draft ?? { value: null, comment: '', justification: '' };
  const fb = feedback ?? view.feedback;
  const outside = justify && !!draft && !!needsJustification;
  const showJustification = justify && (outside || (draft?.justification ?? '') !== '');
  const legend = localized(item.text, lang) || item.id;
  const help = localized(item.help, lang);
  const set = (patch: Partial<Draft>) => onChange({ ...base, ...(preselected && !('value' in patch) ? { value: previous } : {}), ...patch });

  return (
    <article className="q-item card" id={`item-${item.id}`} aria-labelledby={hid} data-item={item.id}>
      <h3 id={hid} className="visually-hidden">
        {legend}
      </h3>
      {(view.origin === 'new' || view.origin === 'changed') && (
        <p className="item-badges">
          <span className={`badge origin-${view.origin}`}>{t(view.origin === 'new' ? 'participation.newItem' : 'participation.changedItem')}</span>
        </p>
      )}
      {help && <p className="muted small">{help}</p>}
      {Input ? (
        <Input
          item={item}
          scales={scales}
          value={shown}
          onChange={(v) => set({ value: v })}
          lang={lang}
          legend={legend}
          previous={isEmptyValue(previous) ? undefined : previous}
          disabled={readOnly}
        />
      ) : (
        <p>{legend}</p>
      )}
      {view.previous && !isEmptyValue(previous) && (
        <p className="previous-answer">
          {t('participation.previousAnswer', { round: round - 1, answer: valueText(item, previous, scales, lang) })}
        </p>
      )}
      {preselected && (
        <div className="preselected" role="note">
          <p>{t('participation.preselected')}</p>
          <button type="button" onClick={() => onChange({ ...base, value: previous })}>
            {t('participation.keepAnswer')}
          </button>
        </div>
      )}
      {fb && (
        <FeedbackPanel item={item} feedback={fb} scales={scales} groups={groups} lang={lang} round={round - 1} own={previous ?? undefined} minGroupN={minGroupN} />
      )}
      {!fb && view.feedback_hidden && <p className="muted small">{t('participation.feedbackHidden')}</p>}
      {item.comment && (
        <TextField
          label={t('participation.comment')}
          value={draft?.comment ?? ''}
          onChange={(s) => set({ comment: s })}
          disabled={readOnly}
        />
      )}
      {showJustification && (
        <TextField
          label={t('participation.justification')}
          hint={outside ? t('participation.justificationHint') : undefined}
          value={draft?.justification ?? ''}
          onChange={(s) => set({ justification: s })}
          disabled={readOnly}
          required={outside}
        />
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </article>
  );
}

function TextField(props: {
  label: string;
  hint?: string | undefined;
  value: string;
  onChange: (s: string) => void;
  disabled?: boolean | undefined;
  required?: boolean;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.hint && (
        <p id={`${id}-hint`} className="small">
          {props.hint}
        </p>
      )}
      <textarea
        id={id}
        rows={2}
        maxLength={5000}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        disabled={props.disabled}
        aria-required={props.required || undefined}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
      />
    </div>
  );
}
