/** The committed icons decoded and checked against Teams' rules, and the small PNG codec that made them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { ACCENT_COLOR, drawColorIcon, drawOutlineIcon } from '../../scripts/icons';
import { decodePng, encodePng, PngError } from '../../scripts/png';

const APP_PACKAGE = join(__dirname, '..', '..', 'appPackage');
const readIcon = (name: string) => decodePng(readFileSync(join(APP_PACKAGE, name)));

function pixel(img: { width: number; pixels: Uint8Array }, x: number, y: number): number[] {
  const i = (y * img.width + x) * 4;
  return Array.from(img.pixels.subarray(i, i + 4));
}

describe('color.png', () => {
  const icon = readIcon('color.png');

  it('is a 192×192 RGBA PNG', () => {
    expect([icon.width, icon.height, icon.bitDepth, icon.colorType]).toEqual([192, 192, 8, 6]);
  });

  it('is full colour and opaque: accent background with a white glyph', () => {
    const alphas = new Set<number>();
    const colours = new Set<string>();
    for (let i = 0; i < icon.pixels.length; i += 4) {
      alphas.add(icon.pixels[i + 3]);
      colours.add(Array.from(icon.pixels.subarray(i, i + 3)).join(','));
    }
    expect([...alphas]).toEqual([255]);
    const accent = [1, 3, 5].map((at) => Number.parseInt(ACCENT_COLOR.slice(at, at + 2), 16));
    expect(pixel(icon, 0, 0)).toEqual([...accent, 255]);
    expect(colours.has('255,255,255')).toBe(true);
    expect(colours.size).toBeGreaterThan(2); // anti-aliased edges, not a two-colour bitmap
  });

  it('matches what scripts/icons.ts draws (regenerate with scripts/make-icons.ts)', () => {
    expect(Buffer.from(icon.pixels).equals(Buffer.from(drawColorIcon().pixels))).toBe(true);
  });
});

describe('outline.png', () => {
  const icon = readIcon('outline.png');

  it('is a 32×32 PNG with an alpha channel', () => {
    expect([icon.width, icon.height, icon.bitDepth, icon.colorType]).toEqual([32, 32, 8, 6]);
  });

  it('is white on transparent: corners clear, every visible pixel pure white, some of it solid', () => {
    for (const [x, y] of [
      [0, 0],
      [31, 0],
      [0, 31],
      [31, 31],
    ] as const)
      expect(pixel(icon, x, y)[3]).toBe(0);
    let visible = 0;
    let solid = 0;
    let transparent = 0;
    for (let i = 0; i < icon.pixels.length; i += 4) {
      const alpha = icon.pixels[i + 3];
      if (alpha === 0) {
        transparent++;
        continue;
      }
      visible++;
      if (alpha === 255) solid++;
      expect(Array.from(icon.pixels.subarray(i, i + 3))).toEqual([255, 255, 255]);
    }
    expect(transparent).toBeGreaterThan((32 * 32) / 2);
    expect(visible).toBeGreaterThan(50);
    expect(solid).toBeGreaterThan(20);
  });

  it('matches what scripts/icons.ts draws', () => {
    expect(Buffer.from(icon.pixels).equals(Buffer.from(drawOutlineIcon().pixels))).toBe(true);
  });
});

describe('PNG codec', () => {
  const image = { width: 3, height: 2, pixels: Uint8Array.from({ length: 24 }, (_, i) => (i * 37) % 256) };

  it('round-trips RGBA pixels', () => {
    const decoded = decodePng(encodePng(image));
    expect([decoded.width, decoded.height]).toEqual([3, 2]);
    expect(Array.from(decoded.pixels)).toEqual(Array.from(image.pixels));
  });

  it('undoes the Sub, Up, Average and Paeth row filters other encoders use', () => {
    // Two 2-pixel rows, each filtered by hand; the decoder must reconstruct the same pixels.
    const rows = [
      [10, 20, 30, 255, 15, 25, 35, 255],
      [12, 22, 32, 250, 100, 110, 120, 240],
    ];
    const sub = (row: number[]) => row.map((v, i) => (v - (i >= 4 ? row[i - 4] : 0)) & 0xff);
    const up = (row: number[], prev: number[]) => row.map((v, i) => (v - prev[i]) & 0xff);
    const avg = (row: number[], prev: number[]) => row.map((v, i) => (v - (((i >= 4 ? row[i - 4] : 0) + prev[i]) >> 1)) & 0xff);
    const paeth = (row: number[], prev: number[]) =>
      row.map((v, i) => {
        const a = i >= 4 ? row[i - 4] : 0;
        const b = prev[i];
        const c = i >= 4 ? prev[i - 4] : 0;
        const p = a + b - c;
        const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
        return (v - (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
      });
    for (const [filter, second] of [
      [2, up(rows[1], rows[0])],
      [3, avg(rows[1], rows[0])],
      [4, paeth(rows[1], rows[0])],
    ] as const) {
      const raw = Buffer.from([1, ...sub(rows[0]), filter, ...second]);
      const png = encodePng({ width: 2, height: 2, pixels: Uint8Array.from(rows.flat()) });
      // Swap the IDAT of our unfiltered encoding for the hand-filtered one.
      const idat = deflateSync(raw);
      const ihdr = png.subarray(8, 8 + 25);
      const rebuilt = Buffer.concat([png.subarray(0, 8), ihdr, chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
      expect(Array.from(decodePng(rebuilt).pixels)).toEqual(rows.flat());
    }
  });

  it('refuses what it does not read rather than guessing', () => {
    expect(() => decodePng(Buffer.from('GIF89a'))).toThrow(PngError);
    const png = encodePng(image);
    const corrupt = Buffer.from(png);
    corrupt[20] ^= 0xff; // inside IHDR data: the CRC no longer matches
    expect(() => decodePng(corrupt)).toThrow(/bad CRC in IHDR/);
    expect(() => encodePng({ width: 2, height: 2, pixels: new Uint8Array(3) })).toThrow(PngError);
  });
});

/** A PNG chunk, built independently of the encoder under test. */
function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  let c = 0xffffffff;
  for (const byte of body) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0, 8 + data.length);
  return out;
}
