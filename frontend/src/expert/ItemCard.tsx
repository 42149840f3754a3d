import { useId, type ReactNode } from 'react';
import { useTranslation } from '../i18n';
import { localized, localizedLang } from '../text';
import { FeedbackPanel } from './FeedbackPanel';
import { inputs } from './items';
import type { Draft } from './outbox';
import type { Group, ItemFeedback, ItemView, Scale } from '../api/types';
import { isComplete, isEmptyValue, valueText } from './util';

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
  /** The expert's pseudonym: seeds the options' order of their own (rankings). */
  seed?: string;
  /** Real-time studies: the panel's current result of the item (RealtimeItemFeedback), where the round feedback would be; given the id of the item's heading. */
  realtime?: ((itemHeading: string) => ReactNode) | undefined;
  /** Arguments between rounds: the previous round's top arguments, shown with the feedback. */
  topArguments?: ReactNode;
  /** Arguments between rounds: the open round's arguments on the item, after the answer. */
  arguments?: ReactNode;
}

/** The id of an item's justification field (the submit page links to it). */
export function justificationId(itemId: string): string {
  return `justification-${itemId}`;
}

/**
 * One question: the question, the panel's feedback (from round 2 on; before
 * the answer on a phone, beside it on a wide screen), the input for its type
 * with the expert's previous answer marked, the comment and, when the answer
 * lies outside the previous round's IQR, the justification.
 *
 * A carried-over item's previous answer is marked, never filled in: the
 * item is answered only by a choice of the expert's (the previous option
 * included) or by "keep my answer", so an untouched item is never mistaken
 * for a confirmed one.
 */
export function ItemCard({ view, draft, onChange, scales, groups, lang, round, feedback, justify, needsJustification, readOnly, error, minGroupN, seed, realtime, topArguments, arguments: args }: ItemCardProps) {
  const { t } = useTranslation();
  const hid = useId();
  const { item } = view;
  const Input = inputs[item.type];
  const previous = view.previous?.value ?? null;
  const hasPrevious = !isEmptyValue(previous);
  const pending = hasPrevious && !readOnly && !isComplete(item, draft?.value);
  const base: Draft = draft ?? { value: null, comment: '', justification: '' };
  const fb = feedback ?? view.feedback;
  const outside = justify && !!draft && !!needsJustification;
  const showJustification = justify && (outside || (draft?.justification ?? '') !== '');
  const legend = localized(item.text, lang) || item.id;
  const help = localized(item.help, lang);
  /** A lang attribute where the study has no text in the UI language and another is shown. */
  const langOf = (t: typeof item.text | undefined) => {
    const l = localizedLang(t, lang);
    return l && l !== lang ? l : undefined;
  };
  const set = (patch: Partial<Draft>) => onChange({ ...base, ...patch });

  return (
    <article className={`q-item card${fb || realtime ? ' with-feedback' : ''}`} id={`item-${item.id}`} aria-labelledby={hid} data-item={item.id}>
      <div className="q-head">
        {(view.origin === 'new' || view.origin === 'changed') && (
          <p className="item-badges">
            <span className={`badge origin-${view.origin}`}>{t(view.origin === 'new' ? 'participation.newItem' : 'participation.changedItem')}</span>
          </p>
        )}
        <h2 id={hid} className="q-question" lang={langOf(item.text)}>
          {legend}
        </h2>
        {help && (
          <p className="muted small" lang={langOf(item.help)}>
            {help}
          </p>
        )}
      </div>
      {fb && (
        <FeedbackPanel
          item={item}
          feedback={fb}
          scales={scales}
          groups={groups}
          lang={lang}
          round={round - 1}
          own={previous ?? undefined}
          minGroupN={minGroupN}
          itemHeading={hid}
        >
          {topArguments}
        </FeedbackPanel>
      )}
      {!fb && view.feedback_hidden && <p className="muted small q-feedback-hidden">{t('participation.feedbackHidden')}</p>}
      {realtime?.(hid)}
      <div className="q-answer">
        {Input ? (
          <Input
            item={item}
            scales={scales}
            value={draft?.value ?? null}
            onChange={(v) => set({ value: v })}
            lang={lang}
            legend={legend}
            previous={hasPrevious ? previous : undefined}
            disabled={readOnly}
            {...(seed !== undefined ? { seed } : {})}
          />
        ) : (
          <p>{legend}</p>
        )}
        {hasPrevious && (
          <p className="previous-answer">{t('participation.previousAnswer', { round: round - 1, answer: valueText(item, previous, scales, lang) })}</p>
        )}
        {pending && (
          <div className="preselected" role="note">
            <p>{t('participation.preselected', { round: round - 1 })}</p>
            <button type="button" onClick={() => onChange({ ...base, value: previous })}>
              {t('participation.keepAnswer')}
            </button>
          </div>
        )}
        {item.comment && (
          <TextField label={t('participation.comment')} value={draft?.comment ?? ''} onChange={(s) => set({ comment: s })} disabled={readOnly} />
        )}
        {showJustification && (
          <TextField
            id={justificationId(item.id)}
            label={t('participation.justification')}
            hint={outside ? t(realtime ? 'realtime.justificationHint' : 'participation.justificationHint') : undefined}
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
        {args}
      </div>
    </article>
  );
}

function TextField(props: {
  id?: string;
  label: string;
  hint?: string | undefined;
  value: string;
  onChange: (s: string) => void;
  disabled?: boolean | undefined;
  required?: boolean;
}) {
  const generated = useId();
  const id = props.id ?? generated;
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
