import type { Participation, Survey } from '../api/types';

/** A small study with one item of every type, two languages, two scales. */
export const fixtureSurvey: Survey = {
  id: 'demo-2026',
  revision: 3,
  status: 'active',
  created_at: '2026-11-01T09:00:00Z',
  updated_at: '2026-11-20T10:30:00Z',
  rule_text: {
    de: 'Konsens, wenn mindestens 75 % Zustimmung (Skalenpunkte 4–5 bzw. 3) und IQR ≤ 1; mindestens 10 gültige Antworten',
    en: 'Consensus when at least 75% agreement (scale points 4–5 or 3) and IQR ≤ 1; at least 10 valid answers',
  },
  definition: {
    id: 'demo-2026',
    version: '2026-11',
    languages: ['de', 'en'],
    title: { de: 'Demo-Befragung <b>fett</b>', en: 'Demo survey <b>bold</b>' },
    description: { de: 'Eine kleine Teststudie.', en: 'A small test study.' },
    time_zone: 'Europe/Berlin',
    groups: [
      { id: 'pol', label: { de: 'Politik und Verwaltung', en: 'Politics and administration' } },
      { id: 'civ', label: { de: 'Zivilgesellschaft' } },
    ],
    scales: [
      {
        id: 'imp5',
        points: [
          { value: 1, label: { de: 'sehr unwichtig', en: 'very unimportant' } },
          { value: 2, label: { de: 'eher unwichtig', en: 'rather unimportant' } },
          { value: 3, label: { de: 'teils/teils', en: 'neutral' } },
          { value: 4, label: { de: 'eher wichtig', en: 'rather important' } },
          { value: 5, label: { de: 'sehr wichtig', en: 'very important' } },
        ],
        abstain: { label: { de: 'kann ich nicht beurteilen', en: 'cannot judge' } },
        agreement: { min: 4, max: 5 },
        disagreement: { min: 1, max: 2 },
      },
      {
        id: 'feas3',
        points: [
          { value: 1, label: { de: 'nicht machbar', en: 'not feasible' } },
          { value: 2, label: { de: 'teilweise machbar', en: 'partly feasible' } },
          { value: 3, label: { de: 'machbar', en: 'feasible' } },
        ],
        agreement: { min: 3, max: 3 },
      },
    ],
    consensus: {
      min_n: 10,
      all: [{ agreement: { min_percent: 75 } }, { iqr: { max: 1 } }],
    },
    rounds: {
      planned: 2,
      feedback: {
        statistics: ['n', 'median', 'iqr', 'distribution'],
        own_previous: true,
        comments: true,
        by_group: false,
        hide_until_answered: true,
        justify_outside_iqr: false,
      },
      carry_over: { mode: 'no_consensus' },
    },
    sections: [
      {
        id: 'themen',
        title: { de: 'Themen', en: 'Topics' },
        description: { de: 'Wie wichtig sind diese Themen?', en: 'How important are these topics?' },
        items: [
          { id: 't1', type: 'rating', text: { de: 'Wohnen', en: 'Housing' }, scale: 'imp5', comment: true },
          {
            id: 't2',
            type: 'multi_rating',
            text: { de: 'Mobilität', en: 'Mobility' },
            criteria: [
              { id: 'imp', label: { de: 'Wichtigkeit', en: 'Importance' }, scale: 'imp5' },
              { id: 'feas', label: { de: 'Machbarkeit', en: 'Feasibility' }, scale: 'feas3' },
            ],
          },
        ],
      },
      {
        id: 'formate',
        title: { de: 'Formate', en: 'Formats' },
        items: [
          {
            id: 'f1',
            type: 'single_choice',
            text: { de: 'Bevorzugtes Format?', en: 'Preferred format?' },
            options: [
              { id: 'web', label: { de: 'Webtalk', en: 'Web talk' } },
              { id: 'ws', label: { de: 'Werkstatt', en: 'Workshop' } },
            ],
          },
          {
            id: 'f2',
            type: 'multiple_choice',
            text: { de: 'Welche Formate nutzen Sie?', en: 'Which formats do you use?' },
            max_choices: 2,
            options: [
              { id: 'conf', label: { de: 'Bundestagung', en: 'National conference' } },
              { id: 'tour', label: { de: 'Exkursion', en: 'Site tour' } },
              { id: 'peer', label: { de: 'Peer-Besuch', en: 'Peer visit' } },
            ],
          },
          {
            id: 'f3',
            type: 'ranking',
            text: { de: 'Ordnen Sie die Formate.', en: 'Rank the formats.' },
            top_k: 3,
            options: [
              { id: 'a', label: { de: 'Lernmodul', en: 'Learning module' } },
              { id: 'b', label: { de: 'Forum', en: 'Forum' } },
              { id: 'c', label: { de: 'Plattform', en: 'Platform' } },
              { id: 'd', label: { de: 'Werkstatt', en: 'Workshop' } },
            ],
          },
        ],
      },
      {
        id: 'traeger',
        title: { de: 'Trägerstruktur', en: 'Sponsorship' },
        items: [
          {
            id: 'n1',
            type: 'numeric',
            text: { de: 'Jährliches Budget?', en: 'Annual budget?' },
            numeric: { unit: { de: 'Tsd. Euro', en: 'thousand euros' }, min: 0, max: 2500.5, integer: false },
          },
          {
            id: 'x1',
            type: 'text',
            text: { de: 'Welche weiteren Themen?', en: 'Which further topics?' },
            help: { de: 'Stichworte genügen.', en: 'Keywords are enough.' },
            max_length: 800,
          },
        ],
      },
    ],
  },
};

/** The expert's view of fixtureSurvey's round 1, open, after consent; `survey` overrides fields of the study. */
export function fixtureParticipation(survey: Partial<Participation['survey']> = {}): Participation {
  const def = fixtureSurvey.definition;
  return {
    state: 'open',
    survey: {
      id: def.id,
      title: def.title,
      languages: def.languages,
      time_zone: 'Europe/Berlin',
      groups: def.groups ?? [],
      scales: def.scales,
      feedback: { ...def.rounds.feedback, justify_outside_iqr: true, hide_until_answered: false, min_group_n: 3 },
      allow_revision: true,
      planned_rounds: 3,
      ...survey,
    },
    expert: { pseudonym: 'E-TEST', group: 'pol', language: 'de', consent_at: '2026-11-26T09:00:00Z', declined_at: null },
    round: { number: 1, status: 'open', opens_at: null, deadline: '2026-12-14T17:00:00Z' },
    sections: (def.sections ?? []).map((s) => ({ id: s.id, title: s.title, items: (s.items ?? []).map((item) => ({ item, origin: 'initial' as const })) })),
    answers: {},
    progress: { answered: 0, total: 7 },
    response: { submissions: 0 },
  };
}
