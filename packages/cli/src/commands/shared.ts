// Pieces several commands share: the data flags (--data, --dataset, --target, --task, --labels)
// and their reading through data.ts, and metrics as text. Kept apart from any one command so the
// command modules do not import each other.
import type { Args } from '../args';
import type { Context } from '../context';
import { loadData, type LoadedData } from '../data';
import type { Metrics } from '../models';
import { renderTable } from '../ui/table';

export const DATA_OPTIONS = {
  data: { type: 'string', value: 'PATH', description: 'CSV/TSV, JSON records, IDX images (+ labels), or a directory with one sub-directory of text files per label' },
  dataset: { type: 'string', value: 'NAME', description: "a packaged dataset: iris, mnist, digits, wine, ... (see 'amaas datasets list')" },
  target: { type: 'string', value: 'COLUMN', description: 'label column of --data (default: the last column)' },
  task: { type: 'string', value: 'TASK', description: 'classification | regression (default: from the label column: text -> classification)' },
  labels: { type: 'string', value: 'FILE', description: 'IDX labels file (default: the images file name with images->labels)' },
} as const;

export function readData(args: Args, ctx: Context): LoadedData {
  return loadData(
    {
      data: args.str('data'), dataset: args.str('dataset'), target: args.str('target'),
      task: args.oneOf('task', ['classification', 'regression'] as const), labels: args.str('labels'),
    },
    { datasetsDir: ctx.datasetsDir, command: args.command },
  );
}

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;

/** Metrics as text: headline numbers, per-class table, confusion matrix (classification, up to 20 classes). */
export function metricsText(m: Metrics, o: { confusion: boolean }): string {
  if (m.task === 'regression')
    return `r2 ${m.r2.toFixed(4)}  rmse ${m.rmse.toPrecision(4)}  mae ${m.mae.toPrecision(4)}  mse ${m.mse.toPrecision(4)}  (${m.rows} rows)\n`;
  let text = `accuracy ${pct(m.accuracy)}  macro F1 ${m.macroF1.toFixed(4)}  weighted F1 ${m.weightedF1.toFixed(4)}  (${m.rows} rows)\n`;
  if (m.classes.length <= 30)
    text += '\n' + renderTable(['class', 'precision', 'recall', 'f1', 'support'], m.perClass.map((c) => [c.name, c.precision, c.recall, c.f1, c.support]));
  if (o.confusion) text += '\n' + confusionText(m.classes, m.confusion);
  return text;
}

export function confusionText(classes: string[], matrix: number[][]): string {
  if (classes.length > 20) return `confusion matrix: ${classes.length} classes, too wide to print (see --json)\n`;
  const rows = matrix.map((r, i) => [classes[i], ...r]);
  return 'confusion matrix (rows: true class, columns: predicted)\n' + renderTable([{ header: 'true \\ pred', align: 'left' }, ...classes.map((c) => ({ header: c, align: 'right' as const }))], rows);
}
