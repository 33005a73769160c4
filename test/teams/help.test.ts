import { HELP_CONFIGURATIONS_SHOWN, helpReply } from '../../src/teams/commands/basic';
import { cardText } from '../harness/activities';

const textOf = (configurations: string[]) => {
  const reply = helpReply({ mode: 'simulator', configurations });
  return 'card' in reply ? cardText(reply.card) : '';
};

describe('help card', () => {
  it('names every configuration of a small estate', () => {
    expect(textOf(['contoso-to-fabrikam', 'contoso-to-northwind'])).toContain('contoso-to-fabrikam, contoso-to-northwind');
    expect(textOf([])).toContain('none');
  });

  it('names the first ten of a large estate and says how many more, so it stays readable (and small) at 1,000', () => {
    const names = Array.from({ length: 1000 }, (_, i) => `config-${String(i).padStart(4, '0')}`);
    const text = textOf(names);
    expect(HELP_CONFIGURATIONS_SHOWN).toBe(10);
    expect(text).toContain('config-0009 and 990 more (type "status" to see them all)');
    expect(text).not.toContain('config-0010');
  });
});
