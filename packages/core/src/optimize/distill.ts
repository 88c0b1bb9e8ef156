// Knowledge distillation: a (smaller) student Mlp learns from a teacher's temperature-softened
// class probabilities plus the labels, inside the native training loop (Hinton et al. 2015):
//   loss = (1 - alpha) * CE(labels, softmax(z)) + alpha * T^2 * KL(softmax(t / T) || softmax(z / T)).
import { ArgumentError, NotFittedError } from '../errors';
import { Mlp } from '../models/mlp';
import type { FitOptions, MlpOptions, TrainHistory } from '../models/mlp';
import type { Tensor } from '../tensor';
import { describe } from '../validate';
import { QuantizedMlp } from './quantized-mlp';

export interface DistillOptions extends Omit<FitOptions, 'softTargets' | 'weightMasks'> {
  /** An untrained student, or the options to build one (its inputs/outputs must match the teacher's). */
  student: Mlp | MlpOptions;
  /** Softening temperature T (default 4). */
  temperature?: number;
  /** Weight of the soft-target term (default 0.7); 1 - alpha goes to the labels. */
  alpha?: number;
}

export interface DistillResult {
  student: Mlp;
  history: TrainHistory;
  parameters: { teacher: number; student: number; ratio: number };
}

/** The teacher's probabilities P at temperature T: P^(1/T) renormalised per row. */
export function softenProbabilities(P: Float32Array, k: number, T: number): Float32Array {
  if (!(T > 0) || !Number.isFinite(T)) throw new ArgumentError(`Expected a positive temperature but received ${describe(T)}`);
  const out = new Float32Array(P.length);
  for (let r = 0; r < P.length; r += k) {
    let z = 0;
    for (let j = 0; j < k; ++j) z += out[r + j] = Math.pow(Math.max(P[r + j], 1e-12), 1 / T);
    for (let j = 0; j < k; ++j) out[r + j] /= z;
  }
  return out;
}

/** Trains `options.student` on (x, y) with the teacher's softened outputs as extra targets. */
export async function distill(teacher: Mlp | QuantizedMlp, x: Tensor, y: Float32Array | Tensor, options: DistillOptions): Promise<DistillResult> {
  if (!(teacher instanceof Mlp) && !(teacher instanceof QuantizedMlp))
    throw new ArgumentError(`Expected a fitted Mlp or QuantizedMlp teacher but received ${describe(teacher)}`);
  if (!teacher.fitted) throw new NotFittedError('the teacher must be fitted');
  if (teacher.output !== 'softmax') throw new ArgumentError('distillation needs a classifier teacher (softmax output)');
  const { student: s, temperature = 4, alpha = 0.7, ...fit } = options ?? ({} as DistillOptions);
  const student = s instanceof Mlp ? s : new Mlp(s);
  if (student.inputs !== teacher.inputs || student.outputs !== teacher.outputs || student.output !== 'softmax')
    throw new ArgumentError(
      `the student must map ${teacher.inputs} inputs to ${teacher.outputs} softmax outputs like the teacher, but has layers [${student.layers}] with output ${student.output}`,
    );
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1)) throw new ArgumentError(`Expected alpha in [0, 1] but received ${describe(alpha)}`);
  const P = (await teacher.predictProba(x)).values();
  const soft = softenProbabilities(P, teacher.outputs, temperature);
  const history = await student.fit(x, y, { ...fit, softTargets: { probabilities: soft, alpha, temperature } });
  const tp = teacher.parameterCount, sp = student.parameterCount;
  return { student, history, parameters: { teacher: tp, student: sp, ratio: sp / tp } };
}
