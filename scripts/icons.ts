/**
 * The app icons, drawn in code so they can be regenerated and checked: two interlocking rings (two
 * tenants linked by synchronization). The colour icon is white rings on the accent colour; the outline
 * icon is the same glyph in white on transparent, as Teams requires for its monochrome surfaces.
 */
import type { RgbaImage } from './png';

export const ACCENT_COLOR = '#2B5FD9';
export const COLOR_ICON_SIZE = 192;
export const OUTLINE_ICON_SIZE = 32;

interface RingsGeometry {
  /** ring radius, centre distance from the middle, stroke width, gap where one ring passes over the other */
  readonly radius: number;
  readonly offset: number;
  readonly stroke: number;
  readonly gap: number;
}

const SUBSAMPLES = 4;

/** True where the glyph has ink. The left ring lies on top in the upper half, the right one in the lower. */
function isInk(x: number, y: number, size: number, g: RingsGeometry): boolean {
  const c = size / 2;
  const fromLeft = Math.abs(Math.hypot(x - (c - g.offset), y - c) - g.radius);
  const fromRight = Math.abs(Math.hypot(x - (c + g.offset), y - c) - g.radius);
  const half = g.stroke / 2;
  const onLeft = fromLeft <= half;
  const onRight = fromRight <= half;
  if (y < c) return onLeft || (onRight && fromLeft > half + g.gap);
  return onRight || (onLeft && fromRight > half + g.gap);
}

/** Fraction of each pixel covered by ink, by supersampling: smooth edges without a rasteriser. */
function coverage(size: number, g: RingsGeometry): Float64Array {
  const out = new Float64Array(size * size);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let hits = 0;
      for (let sy = 0; sy < SUBSAMPLES; sy++) {
        for (let sx = 0; sx < SUBSAMPLES; sx++) {
          if (isInk(px + (sx + 0.5) / SUBSAMPLES, py + (sy + 0.5) / SUBSAMPLES, size, g)) hits++;
        }
      }
      out[py * size + px] = hits / (SUBSAMPLES * SUBSAMPLES);
    }
  }
  return out;
}

function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

export function drawColorIcon(): RgbaImage {
  const size = COLOR_ICON_SIZE;
  const ink = coverage(size, { radius: 36, offset: 22, stroke: 14, gap: 5 });
  const background = hexToRgb(ACCENT_COLOR);
  const pixels = new Uint8Array(size * size * 4);
  ink.forEach((a, i) => {
    for (let ch = 0; ch < 3; ch++) pixels[i * 4 + ch] = Math.round(background[ch] * (1 - a) + 255 * a);
    pixels[i * 4 + 3] = 255;
  });
  return { width: size, height: size, pixels };
}

export function drawOutlineIcon(): RgbaImage {
  const size = OUTLINE_ICON_SIZE;
  const ink = coverage(size, { radius: 7.5, offset: 4.5, stroke: 2.6, gap: 1.2 });
  const pixels = new Uint8Array(size * size * 4);
  ink.forEach((a, i) => {
    // Fully transparent pixels are written as 0,0,0,0; every visible pixel is pure white.
    if (a > 0) pixels.set([255, 255, 255, Math.round(a * 255)], i * 4);
  });
  return { width: size, height: size, pixels };
}
