/**
 * Regenerates appPackage/color.png and appPackage/outline.png from scripts/icons.ts.
 * Run: npx ts-node --transpile-only scripts/make-icons.ts   (the PNGs are committed; run after changing the glyph)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { drawColorIcon, drawOutlineIcon } from './icons';
import { encodePng } from './png';

const appPackageDir = join(__dirname, '..', 'appPackage');
writeFileSync(join(appPackageDir, 'color.png'), encodePng(drawColorIcon()));
writeFileSync(join(appPackageDir, 'outline.png'), encodePng(drawOutlineIcon()));
console.log(`wrote ${join(appPackageDir, 'color.png')} and outline.png`);
