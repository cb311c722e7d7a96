// Fills in a signature's variables. Pure: no database, tested without I/O.

export interface SignatureContext {
  agentName: string;
  /** The team whose signature this is, or the agent's first team, or the mailbox's name. */
  teamName: string;
}

/** The variables an admin may use, as the panel lists them. */
export const SIGNATURE_VARIABLES = ['{agent.name}', '{team.name}'] as const;

/**
 * Replaces {agent.name} and {team.name}. Any other {word} stays as written (it may be text that
 * contains braces). A Map, not an object: `{constructor}` must find nothing (issue 12.13).
 */
export function renderSignature(body: string, context: SignatureContext): string {
  const values = new Map([
    ['agent.name', context.agentName],
    ['team.name', context.teamName],
  ]);
  return body.replace(/\{([a-z]+\.[a-z]+)\}/g, (whole, name: string) => values.get(name) ?? whole).trim();
}

/**
 * The plain-text mail with its signature, after the separator mail clients know ("-- ", RFC 3676
 * §4.3): they show it dimmed and leave it out when the citizen quotes the answer.
 */
export function withSignature(text: string, signature: string | null): string {
  return signature ? `${text}\n\n-- \n${signature}` : text;
}
