import type { AnswerValue, Item, Scale } from '../../api/types';

/** The props every item input takes. */
export interface ItemInputProps {
  item: Item;
  scales: Scale[] | null;
  /** The shown value: the current answer, or the pre-selected previous one. */
  value: AnswerValue;
  onChange: (v: AnswerValue) => void;
  lang: string;
  /** The item's question, used as the legend or label. */
  legend: string;
  /** The previous round's answer, highlighted. */
  previous?: AnswerValue;
  disabled?: boolean;
}
