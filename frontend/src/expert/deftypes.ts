// The study definition types the expert UI uses, re-exported from the
// shared API types.
export type { Group, Item, Scale, Text } from '../types';

export interface Contact {
  name: string;
  email: string;
}
