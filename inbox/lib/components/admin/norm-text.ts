// A norm's promises in the inbox's language (issue 16): "Ontvangstbevestiging binnen 2 werkdagen
// (doel 100%)" — from the norm's terms as GET /api/norms gives them; the client words them.
import type { NormView, Term, TermKey } from '../../api/admin.ts';
import { i18n, type MessageKey } from '../../i18n/index.svelte.ts';

/** "binnen 2 werkdagen"; a callback of one working day as Rotterdam words it, "de volgende werkdag vóór 17:00". */
export function termText(term: Term, kind?: TermKey, close = '17:00'): string {
  if (kind === 'callback' && term.unit === 'workingDays' && term.amount === 1) return i18n.t('norm.next_day', { close });
  const key = `norm.within_${term.unit}${term.amount === 1 ? '_one' : ''}` as MessageKey;
  return i18n.t(key, { amount: String(term.amount) });
}

const KIND_KEYS: Record<TermKey, MessageKey> = {
  acknowledgement: 'kind.acknowledgement',
  answer: 'kind.answer',
  complexAnswer: 'kind.complexAnswer',
  callback: 'kind.callback',
  chatPickup: 'norm.kind_chat_pickup',
};

/** One line per term, e.g. "Ontvangstbevestiging binnen 2 werkdagen (doel 100%)". */
export function termLines(norm: NormView): string[] {
  return norm.terms.map((term) => {
    const close = /(\d{2}:\d{2})$/.exec(term.description)?.[1];
    const line = `${i18n.t(KIND_KEYS[term.kind])} ${termText(term, term.kind, close)}`;
    return term.target === null ? line : i18n.t('norm.with_target', { line, target: String(term.target) });
  });
}
