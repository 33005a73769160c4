import { plain, withoutControls } from '../../src/domain/text';

describe('withoutControls', () => {
  it('drops C0 and C1 controls and bidi overrides, keeps line breaks and ordinary text', () => {
    expect(withoutControls('a\u0000b\u0007c\u001bd\u007fe\u0085f\u009bg')).toBe('abcdefg');
    expect(withoutControls('evil\u202egnp.exe and \u2066iso\u2069')).toBe('evilgnp.exe and iso');
    expect(withoutControls('line one\nline two\r\nend\ttab')).toBe('line one\nline two\r\nendtab');
    expect(withoutControls('Zoë Ünal — 東京')).toBe('Zoë Ünal — 東京');
  });
});

describe('plain', () => {
  it('neutralises markdown and cuts to the limit', () => {
    expect(plain('**bold** _it_')).toBe('*\u200b*\u200bbold*\u200b*\u200b _\u200bit_\u200b');
    expect(plain('x'.repeat(600)).length).toBeLessThanOrEqual(500);
  });
});
