import { formatCommand, parseCommand } from '../../src/domain/commands';

describe('why grammar', () => {
  const ID = '361cf8e5-e709-42b3-9f6a-c18a2e7493b6';
  it.each([
    ['why adele@contoso.com', { kind: 'why', user: 'adele@contoso.com' }],
    ['Why adele@contoso.com in contoso-to-fabrikam', { kind: 'why', user: 'adele@contoso.com', config: 'contoso-to-fabrikam' }],
    ['why adele@contoso.com?', { kind: 'why', user: 'adele@contoso.com' }],
    [`@CTS Ops why ${ID} for contoso-to-fabrikam`, { kind: 'why', user: ID, config: 'contoso-to-fabrikam' }],
  ])('%s', (text, parsed) => expect(parseCommand(text)).toEqual(parsed));

  it.each([
    ['why', 'Say which user'],
    ['why adele', '"adele" is not a user principal name'],
    ['why a@b.com c@d.com', 'one user at a time'],
    ['why a@b.com in', 'give exactly one configuration name'],
  ])('%s is refused with usage', (text, problem) => {
    const cmd = parseCommand(text);
    expect(cmd).toMatchObject({ kind: 'invalid', command: 'why', usage: 'why <user> [in <configuration>]' });
    expect(cmd.kind === 'invalid' && cmd.problem).toContain(problem);
  });

  it('formats back to what parses the same', () => {
    for (const text of ['why a@b.com', 'why a@b.com in contoso-to-fabrikam'])
      expect(parseCommand(formatCommand(parseCommand(text)))).toEqual(parseCommand(text));
  });
});
