// Short names for the API's types. They are generated from the OpenAPI
// document the server serves (internal/httpapi/openapi.json) into
// schema.ts by `npm run gen:api`; `npm run check:api` fails when that file
// is stale. Change the document, never a type here.
import type { components } from './schema';

type S = components['schemas'];

/** The `code` of an error answer. */
export type ErrorCode = S['Error']['error']['code'];
/** One entry of an error's "details": a problem, where known at a line and column of the file. */
export type ErrorReason = NonNullable<S['Error']['error']['reason']>;
export type ErrorDetail = NonNullable<S['Error']['error']['details']>[number];

export type Text = S['Text'];
/** A statistic; null when undefined. */
export type Num = S['Num'];

// Staff accounts and studies
export type User = S['User'];
export type UserRequest = S['UserRequest'];
export type Role = User['role'];
export type UserList = S['UserList'];
export type LoginResponse = S['LoginResponse'];
export type SurveySummary = S['SurveySummary'];
export type SurveyList = S['SurveyList'];
export type Survey = S['Survey'];
export type Definition = S['Definition'];
export type Contact = S['Contact'];
export type Group = S['Group'];
export type Band = S['Band'];
export type Scale = S['Scale'];
export type Section = S['Section'];
export type ItemType = S['ItemType'];
export type Item = S['Item'];
export type Rule = S['Rule'];
export type RoundPlan = S['RoundPlan'];

// Rounds
export type Origin = S['Origin'];
export type RoundItem = S['RoundItem'];
export type RoundEvent = S['RoundEvent'];
export type Round = S['Round'];
export type RoundList = S['RoundList'];
export type PrepareRequest = S['PrepareRound'];

// Participation (experts)
export type AnswerValue = S['AnswerValue'];
export type FeedbackOptions = S['FeedbackOptions'];
export type Participation = S['Participation'];
export type ParticipationState = Participation['state'];
export type SectionView = S['SectionView'];
export type ItemView = S['ItemView'];
export type StoredAnswer = S['Answer'];
/** A save as the client sends it: always all four fields. */
export type AnswerBody = Required<S['AnswerRequest']>;
export type Progress = S['Progress'];
export type ResponseInfo = S['ResponseInfo'];
export type SaveResult = S['SaveResult'];
/** One answer of a batch save (PUT /participation/answers): always all fields. */
export type BatchAnswer = Required<S['BatchAnswer']>;
export type BatchResult = S['BatchResult'];
export type SubmitResult = S['SubmitResult'];
export type SessionResult = S['ParticipationSession'];

// Feedback for experts
export type ItemFeedback = S['ItemFeedback'];
export type SummaryFeedback = S['SummaryFeedback'];
export type ChoiceGroupFeedback = S['ChoiceGroupFeedback'];
export type RankingGroupFeedback = S['RankingGroupFeedback'];
export type Suppressed = S['Suppressed'];
/** One group's entry in a by_group map: its numbers, or only `suppressed: true`. */
export type GroupEntry<T> = T | Suppressed;
export type Comment = S['Comment'];
/** Real-time studies: the panel's current statistics of the items the expert has answered (GET /participation/realtime). */
export type RealtimeFeedback = S['RealtimeFeedback'];
export type RealtimeItem = S['RealtimeItem'];

// Results
export type Outcome = S['Outcome'];
export type DistPoint = S['DistPoint'];
export type Summary = S['Summary'];
export type Consensus = S['Consensus'];
export type Divergence = S['Divergence'];
export type RatingResult = S['RatingResult'];
export type ItemResult = S['ItemResult'];
export type RoundResults = S['RoundResults'];
export type ResultsRound = S['ResultsRound'];
export type Board = S['Board'];
export type BoardRow = S['BoardRow'];
export type BoardCell = S['BoardCell'];
export type TransitionMatrix = S['TransitionMatrix'];
export type ItemTransition = S['ItemTransition'];
export type Transitions = S['Transitions'];
export type Sensitivity = S['Sensitivity'];
export type SensitivityRule = S['SensitivityRule'];
export type SensitivityItem = S['SensitivityItem'];

// Panel and mail
export type Expert = S['Expert'];
export type ExpertStatus = Expert['status'];
export type ExpertList = S['ExpertList'];
export type ExpertInput = S['ExpertInput'];
export type ImportReport = S['ImportReport'];
export type IssuedLink = S['IssuedLink'];
export type SendOptions = S['SendRequest'];
export type SendCounts = S['SendCounts'];
export type MailJob = S['MailJob'];
export type MailJobAccepted = S['MailJobAccepted'];
export type MailStatus = S['MailStatus'];
export type MailText = S['MailText'];
export type MailTexts = S['MailTexts'];
export type MailPreview = S['MailPreview'];
export type ResponseRates = S['ResponseRates'];
export type GroupProgress = S['GroupProgress'];

// Named consensus rules (primary and alternatives)
export type RuleSetInfo = S['RuleSetInfo'];
export type RuleOutcome = S['RuleOutcome'];
// Reporting: the locked analysis protocol and the methods checklist
export type Protocol = S['Protocol'];
export type ProtocolView = S['ProtocolView'];
export type Deviation = S['Deviation'];
export type Report = S['Report'];
export type ReportEntry = S['ReportEntry'];
// Real-time studies: the analysed revision history
export type RealtimeResults = S['RealtimeResults'];
export type RealtimeHistoryItem = S['RealtimeHistoryItem'];
export type RealtimeSeries = S['RealtimeSeries'];
export type RealtimePoint = S['RealtimePoint'];
export type FeedbackRevisions = S['FeedbackRevisions'];
