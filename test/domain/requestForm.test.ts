import { checkRequestForm, MAX_REQUEST_PRINCIPALS } from '../../src/domain/commands';

describe('checkRequestForm (the request form’s principals and reason)', () => {
  it('splits on commas, semicolons and new lines, and counts repeats once ignoring case', () => {
    expect(checkRequestForm({ principals: 'a@x.com, b@x.com;\nA@X.com ;', reason: 'new team' })).toEqual({
      ok: true,
      principals: ['A@X.com', 'b@x.com'],
      reason: 'new team',
    });
  });

  it('says who is missing, too many, and a missing reason, in that order', () => {
    expect(checkRequestForm({ principals: ' , ;', reason: '' })).toEqual({ ok: false, problem: 'Say who: user principal names, or a group name or id.' });
    const many = Array.from({ length: MAX_REQUEST_PRINCIPALS + 1 }, (_, i) => `u${i}@x.com`).join(',');
    expect(checkRequestForm({ principals: many, reason: 'x' })).toEqual({
      ok: false,
      problem: `At most ${MAX_REQUEST_PRINCIPALS} per request; you gave ${MAX_REQUEST_PRINCIPALS + 1}.`,
    });
    expect(checkRequestForm({ principals: 'a@x.com', reason: '   ' })).toEqual({ ok: false, problem: 'A reason is required: say why the change is needed.' });
  });
});
