// What an agent may attach is decided by the bytes (issue 16.3); signature variables are filled in safely.
import { describe, expect, it } from 'vitest';
import { outgoingFilename, sniffOutgoing } from '../../../server/inbox/outgoing-types.ts';
import { renderSignature, withSignature } from '../../../server/signatures/render.ts';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const ZIP = Buffer.from('PK\u0003\u0004rest-of-archive', 'latin1');

describe('sniffOutgoing', () => {
  it.each([
    ['a PNG under any name', PNG, 'scan.pdf', 'image/png'],
    ['a PDF', Buffer.from('%PDF-1.7\n'), 'brief.pdf', 'application/pdf'],
    ['a Word document (ZIP named .docx)', ZIP, 'Besluit.DOCX', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ])('accepts %s', (_what, bytes, name, type) => {
    expect(sniffOutgoing(bytes, name)?.contentType).toBe(type);
  });
  it.each([
    ['HTML named .png', Buffer.from('<!doctype html><script>alert(1)</script>'), 'foto.png'],
    ['SVG (script)', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'), 'logo.svg'],
    ['a ZIP not named as a document', ZIP, 'archief.zip'],
    ['a PDF header after white space', Buffer.from('  %PDF-1.7'), 'brief.pdf'],
  ])('refuses %s', (_what, bytes, name) => {
    expect(sniffOutgoing(bytes, name)).toBeUndefined();
  });
  it('keeps a file name without path or control characters', () => {
    expect(outgoingFilename('C:\\Users\\x\\bri\u0000ef\u202e.pdf')).toBe('brief.pdf');
    expect(outgoingFilename('   ')).toBe('bijlage');
  });
});

describe('renderSignature', () => {
  it('fills in the agent and the team, and leaves other braces alone', () => {
    expect(renderSignature('{agent.name}\nTeam {team.name}\n{constructor} {agent.email}', { agentName: 'Fatima', teamName: 'Burgerzaken' })).toBe('Fatima\nTeam Burgerzaken\n{constructor} {agent.email}');
  });
  it('puts the signature after the separator mail clients know (RFC 3676)', () => {
    expect(withSignature('Tekst', 'Groet')).toBe('Tekst\n\n-- \nGroet');
    expect(withSignature('Tekst', null)).toBe('Tekst');
  });
});
