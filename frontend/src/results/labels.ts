// Names for the ids in results: items, criteria, blocks, groups and options,
// taken from the study definition in the UI language (ids as fallback).
import { localized } from '../text';
import type { Definition, Item } from '../api/types';

export interface Labels {
  item: (id: string) => string;
  criterion: (itemId: string, criterionId: string) => string;
  /** The item, and the criterion when there is one: "Wohnen – Wichtigkeit". */
  row: (itemId: string, criterionId?: string) => string;
  section: (id: string) => string;
  group: (id: string) => string;
  option: (itemId: string, optionId: string) => string;
  itemDef: (id: string) => Item | undefined;
  /** The blocks in definition order. */
  sections: { id: string; title: string }[];
  /** The study's consensus rule in words, from the server (rule_text), in the UI language. */
  rule: string;
}

export function makeLabels(def: Definition | undefined, lang: string, ruleText?: Record<string, string>): Labels {
  const items = new Map<string, Item>();
  const sections: { id: string; title: string }[] = [];
  for (const s of def?.sections ?? []) {
    sections.push({ id: s.id, title: localized(s.title, lang) || s.id });
    for (const it of s.items ?? []) items.set(it.id, it);
  }
  const groups = new Map((def?.groups ?? []).map((g) => [g.id, localized(g.label, lang) || g.id]));
  const item = (id: string) => localized(items.get(id)?.text, lang) || id;
  const criterion = (itemId: string, cid: string) =>
    localized(items.get(itemId)?.criteria?.find((c) => c.id === cid)?.label, lang) || cid;
  return {
    item,
    criterion,
    row: (itemId, cid) => (cid ? `${item(itemId)} – ${criterion(itemId, cid)}` : item(itemId)),
    section: (id) => sections.find((s) => s.id === id)?.title ?? id,
    group: (id) => groups.get(id) ?? id,
    option: (itemId, oid) => localized(items.get(itemId)?.options?.find((o) => o.id === oid)?.label, lang) || oid,
    itemDef: (id) => items.get(id),
    sections,
    rule: ruleText?.[lang] ?? ruleText?.en ?? '',
  };
}
