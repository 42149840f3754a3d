import type { ComponentType } from 'react';
import { MultipleChoiceInput } from './MultipleChoiceInput';
import { MultiRatingInput } from './MultiRatingInput';
import { NumericInput } from './NumericInput';
import type { ItemInputProps } from './props';
import { RankingInput } from './RankingInput';
import { RatingInput } from './RatingInput';
import { SingleChoiceInput } from './SingleChoiceInput';
import { TextInput } from './TextInput';

export type { ItemInputProps };

/** The input component per item type. */
export const inputs: Record<string, ComponentType<ItemInputProps>> = {
  rating: RatingInput,
  multi_rating: MultiRatingInput,
  single_choice: SingleChoiceInput,
  multiple_choice: MultipleChoiceInput,
  ranking: RankingInput,
  numeric: NumericInput,
  text: TextInput,
};
