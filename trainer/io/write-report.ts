// Writes the report `renderReport` (trainer/core/report.ts) renders: each file atomically, and
// every SVG picture also as PNG.
import { join } from 'node:path';
import { catchTrainError, type TrainResult } from '../core/errors.js';
import { svgToPng } from '../core/png.js';
import { renderReport, type ReportInput } from '../core/report.js';
import { atomicWrite } from './atomic-write.js';

/** Writes the report's files into `directory` (created if needed), each atomically; every SVG also as PNG. */
export function writeReport(
  directory: string,
  input: ReportInput,
): TrainResult<{ files: string[] }> {
  return catchTrainError(() => {
    const files: string[] = [];
    for (const [name, content] of renderReport(input)) {
      const path = join(directory, name);
      atomicWrite(path, new TextEncoder().encode(content));
      files.push(path);
      if (name.endsWith('.svg')) {
        const png = join(directory, name.replace(/\.svg$/, '.png'));
        atomicWrite(png, svgToPng(content));
        files.push(png);
      }
    }
    return { files };
  });
}
