import { banner } from '../../src/banner';
import { BotUnderTest, CONTOSO, MEGAN } from '../harness/bot';
import { cardText } from '../harness/activities';

/**
 * Issue 10 defect 3, end to end: when Graph returns directoryRole objects without roleTemplateId (the bot's app lacks
 * RoleManagement.Read.Directory), the start-up banner, whoami and every refusal name the missing permission.
 */
describe('directory roles the bot cannot read', () => {
  const t = new BotUnderTest();
  beforeAll(() => t.start({}, { simulator: { cycleIntervalMs: null, switches: { [CONTOSO]: { limitedDirectoryRoles: true } } } }));
  afterAll(() => t.stop());

  it('the start-up banner names the missing permission', () => {
    expect(t.bot.warnings).toHaveLength(1);
    expect(banner(t.bot)).toMatch(/WARNING: Configuration problem: .*RoleManagement\.Read\.Directory in tenant a5f2c9d1/);
  });

  it('whoami says the roles are unreadable and why, not "none"', async () => {
    const text = cardText(await t.card(MEGAN, 'whoami'));
    expect(text).toContain('Unreadable (a configuration problem, not "no role")');
    expect(text).toContain('RoleManagement.Read.Directory');
    expect(text).not.toMatch(/Directory roles\nnone/);
  });

  it('a refusal says the roles could not be read, naming the permission', async () => {
    const text = cardText(await t.card(MEGAN, 'pause contoso-to-fabrikam'));
    expect(text).toContain('Your directory roles could not be read');
    expect(text).toContain('RoleManagement.Read.Directory');
  });
});
