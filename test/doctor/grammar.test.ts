import { formatCommand, parseCommand } from '../../src/domain/commands';

describe('doctor grammar', () => {
  it.each([
    ['doctor', { kind: 'doctor' }],
    ['doctor all', { kind: 'doctor' }],
    ['Doctor contoso-to-fabrikam', { kind: 'doctor', config: 'contoso-to-fabrikam' }],
    ['@CTS Ops doctor all', { kind: 'doctor' }],
  ])('%s', (text, parsed) => expect(parseCommand(text)).toEqual(parsed));

  it('refuses two names and a non-name, with usage', () => {
    expect(parseCommand('doctor a b')).toMatchObject({ kind: 'invalid', command: 'doctor', usage: 'doctor [<configuration>|all]' });
    expect(parseCommand('doctor "a b"')).toMatchObject({ kind: 'invalid', command: 'doctor' });
  });

  it('formats back to what parses the same', () => {
    for (const text of ['doctor', 'doctor contoso-to-fabrikam']) expect(parseCommand(formatCommand(parseCommand(text)))).toEqual(parseCommand(text));
  });
});
