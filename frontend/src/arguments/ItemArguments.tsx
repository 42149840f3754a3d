import { useId, useState } from 'react';
import { useTranslation } from '../i18n';
import { errorText } from '../components/ErrorAlert';
import { localized } from '../text';
import type { Group, Item } from '../api/types';
import type { ArgumentsApi, PanelArgument, Stance } from './api';
import { ArgumentHead, ratingsText } from './shared';

export interface ItemArgumentsProps {
  item: Item;
  /** The visible arguments of the open round on this item. */
  args: PanelArgument[];
  /** Posting and rating are possible (the round is open). */
  open: boolean;
  maxPerItem: number;
  maxLength: number;
  groups: Group[];
  lang: string;
  client: ArgumentsApi;
  /** Called after every change, to load the arguments again. */
  onChanged: () => void;
}

const CHOICE = new Set(['single_choice', 'multiple_choice', 'ranking']);

/**
 * The arguments on one item while its round is open: the others' arguments
 * to read and rate (1–5, once), one's own to edit or withdraw, and the form
 * for a new one. Nothing shows who wrote an argument.
 */
export function ItemArguments({ item, args, open, maxPerItem, maxLength, groups, lang, client, onChanged }: ItemArgumentsProps) {
  const { t } = useTranslation();
  const tt = t as unknown as (k: string, o?: Record<string, unknown>) => string;
  const hid = useId();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [editing, setEditing] = useState<string>();
  const [status, setStatus] = useState('');
  const own = args.filter((a) => a.own).length;

  const act = async (f: () => Promise<unknown>, done?: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await f();
      setStatus(done ?? '');
      setEditing(undefined);
      onChanged();
      return true;
    } catch (err) {
      setError(errorText(err, t));
      return false;
    } finally {
      setBusy(false);
    }
  };

  return (
    <details className="q-arguments" open={args.length > 0 || undefined}>
      <summary id={hid}>{t('arguments.heading', { count: args.length })}</summary>
      <p className="muted small">{t('arguments.intro')}</p>
      {args.length === 0 ? (
        <p className="muted small">{t('arguments.none')}</p>
      ) : (
        <ul className="argument-list" aria-labelledby={hid}>
          {args.map((a) => (
            <li key={a.id} className={`argument${a.own ? ' own' : ''}`} data-argument={a.id}>
              {editing === a.id ? (
                <ArgumentForm
                  item={item}
                  lang={lang}
                  maxLength={maxLength}
                  busy={busy}
                  initial={a}
                  submitLabel={t('arguments.save')}
                  hint={t('arguments.editHint')}
                  onCancel={() => setEditing(undefined)}
                  onSubmit={(v) => act(() => client.edit(a.id, v))}
                />
              ) : (
                <>
                  <ArgumentHead arg={a} item={item} groups={groups} lang={lang} />
                  <p className="muted small">
                    {a.own && <strong>{t('arguments.own')} · </strong>}
                    {ratingsText(a.ratings, lang, tt)}
                  </p>
                  {a.own && open && (
                    <p className="argument-actions">
                      <button type="button" disabled={busy} onClick={() => setEditing(a.id)}>
                        {t('arguments.edit')}
                      </button>{' '}
                      <button type="button" disabled={busy} onClick={() => void act(() => client.withdraw(a.id))}>
                        {t('arguments.withdraw')}
                      </button>
                    </p>
                  )}
                  {!a.own && a.my_rating !== undefined && a.my_rating > 0 && <p className="small">{t('arguments.myRating', { value: a.my_rating })}</p>}
                  {!a.own && !a.my_rating && open && (
                    <div className="argument-rate" role="group" aria-label={t('arguments.rate')}>
                      <span className="small" aria-hidden="true">
                        {t('arguments.rate')}
                      </span>{' '}
                      {[1, 2, 3, 4, 5].map((v) => (
                        <button key={v} type="button" disabled={busy} aria-label={t('arguments.rateValue', { value: v })} onClick={() => void act(() => client.rate(a.id, v))}>
                          {v}
                        </button>
                      ))}
                    </div>
                  )}
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <p className="visually-hidden" role="status">
        {status}
      </p>
      {open &&
        (own >= maxPerItem ? (
          <p className="muted small">{t('arguments.limit', { max: maxPerItem })}</p>
        ) : (
          <ArgumentForm
            item={item}
            lang={lang}
            maxLength={maxLength}
            busy={busy}
            submitLabel={t('arguments.post')}
            onSubmit={(v) => act(() => client.post({ item_id: item.id, ...v }), t('arguments.posted'))}
          />
        ))}
    </details>
  );
}

interface FormValue {
  stance: Stance;
  option_id: string;
  text: string;
}

function ArgumentForm({
  item,
  lang,
  maxLength,
  busy,
  initial,
  submitLabel,
  hint,
  onSubmit,
  onCancel,
}: {
  item: Item;
  lang: string;
  maxLength: number;
  busy: boolean;
  initial?: PanelArgument;
  submitLabel: string;
  hint?: string;
  onSubmit: (v: FormValue) => Promise<boolean>;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [stance, setStance] = useState<Stance>(initial?.stance ?? 'pro');
  const [option, setOption] = useState(initial?.option_id ?? '');
  const [text, setText] = useState(initial?.text ?? '');
  const choice = CHOICE.has(item.type) && (item.options?.length ?? 0) > 0;
  return (
    <form
      className="argument-form"
      onSubmit={(e) => {
        e.preventDefault();
        void onSubmit({ stance, option_id: choice ? option : '', text }).then((ok) => {
          if (ok && !initial) setText('');
        });
      }}
    >
      <fieldset className="argument-stance">
        <legend>{t('arguments.stance')}</legend>
        {(['pro', 'con'] as const).map((s) => (
          <label key={s}>
            <input type="radio" name={`${id}-stance`} value={s} checked={stance === s} onChange={() => setStance(s)} />{' '}
            {t(s === 'pro' ? 'arguments.stancePro' : 'arguments.stanceCon')}
          </label>
        ))}
      </fieldset>
      {choice && (
        <div className="field">
          <label htmlFor={`${id}-option`}>{t('arguments.option')}</label>
          <select id={`${id}-option`} value={option} onChange={(e) => setOption(e.target.value)}>
            <option value="">{t('arguments.optionAll')}</option>
            {item.options?.map((o) => (
              <option key={o.id} value={o.id}>
                {localized(o.label, lang) || o.id}
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="field">
        <label htmlFor={`${id}-text`}>{t('arguments.text')}</label>
        <p id={`${id}-hint`} className="small">
          {hint ? `${hint} ` : ''}
          {t('arguments.textHint', { max: maxLength })}
        </p>
        <textarea id={`${id}-text`} rows={2} maxLength={maxLength} value={text} aria-describedby={`${id}-hint`} onChange={(e) => setText(e.target.value)} />
      </div>
      <p>
        <button type="submit" className="button-primary" disabled={busy || text.trim() === ''}>
          {submitLabel}
        </button>{' '}
        {onCancel && (
          <button type="button" onClick={onCancel}>
            {t('arguments.cancel')}
          </button>
        )}
      </p>
    </form>
  );
}
