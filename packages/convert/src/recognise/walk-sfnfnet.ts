/**
 * Recognises SF-NFNet-F0 in a Keras Functional graph by structure, class and config — never by
 * layer name. Walks from the input through both stems, the fusions, every NF block (transition
 * or not, squeeze-excite, skip gain) and the head, reading channels, kernels, strides, groups and
 * the constants (betas, alpha, activation) from the serialised config.
 */
import { SCALED_ACTIVATION_GAIN, type BlockSpec, type ConvSpec, type Path, type ScaledActivation, type SfNfNetSpec } from '@mule-ts/core';
import type { KerasLayer, KerasModelFile } from '../keras/types.js';
import { KerasGraphIndex } from './keras-graph-index.js';
import { LayerFacts, describeLayer, scaledActivationOf } from './keras-layer-facts.js';

export interface RecognisedConv {
  layer: KerasLayer;
  spec: ConvSpec;
}

export interface RecognisedBlock {
  spec: BlockSpec;
  convs: [RecognisedConv, RecognisedConv, RecognisedConv, RecognisedConv];
  shortcut: RecognisedConv | null;
  /** Squeeze-excite Dense layers: hidden (relu), output (sigmoid). */
  se: [KerasLayer, KerasLayer];
  /** The learnable ScalarMultiply (the trained skip gain). */
  skipGain: KerasLayer;
  output: KerasLayer;
}

export interface RecognisedFusion {
  temporal: RecognisedConv;
  pointwise: RecognisedConv;
}

export interface RecognisedModel {
  spec: SfNfNetSpec;
  stems: Record<Path, RecognisedConv[]>;
  /** blocks[path][stage][block] */
  blocks: Record<Path, RecognisedBlock[][]>;
  fusions: RecognisedFusion[];
}

/** Frames per slice upstream (look_backward 150 + look_forward 150). */
const UPSTREAM_SLICE_FRAMES = 300;

interface Flow {
  layer: KerasLayer;
  channels: number;
}

export function recogniseSfNfNet(model: Pick<KerasModelFile, 'file' | 'layers' | 'outputs'>): RecognisedModel {
  return new SfNfNetWalker(model).walk();
}

class SfNfNetWalker {
  private readonly g: KerasGraphIndex;
  private readonly facts: LayerFacts;
  private readonly visited = new Set<string>();
  private activation: ScaledActivation | null = null;
  private alpha: number | null = null;

  constructor(private readonly model: Pick<KerasModelFile, 'file' | 'layers' | 'outputs'>) {
    this.g = new KerasGraphIndex(model);
    this.facts = new LayerFacts(model.file);
  }

  walk(): RecognisedModel {
    const facts: LayerFacts = this.facts;
    const g = this.g;
    const inputs = this.model.layers.filter((l) => l.className === 'InputLayer');
    if (inputs.length !== 1) facts.fail(null, `expected exactly one InputLayer, found ${inputs.length}`);
    const input = this.claim(inputs[0]!);
    const inputShape = this.inputShape(input);

    const stemStarts = g.consumers(input).map((c) => c.layer);
    if (stemStarts.length !== 2 || stemStarts.some((l) => l.className !== 'WeightStandardization')) {
      facts.fail(input, `the input '${input.name}' should feed two WeightStandardization convs (the slow and fast stems); it feeds ${stemStarts.map(describeLayer).join(', ') || 'nothing'}`);
    }
    const stemA = this.walkStem(stemStarts[0]!, inputShape[2]);
    const stemB = this.walkStem(stemStarts[1]!, inputShape[2]);
    const feedsFusion = (s: RecognisedConv[]) =>
      g.consumers(s[s.length - 1]!.layer).some((c) => c.layer.className === 'Concatenate' && c.via === 0);
    if (feedsFusion(stemA) === feedsFusion(stemB)) {
      facts.fail(stemA[stemA.length - 1]!.layer, 'cannot tell the slow stem from the fast stem: exactly one stem must feed a fusion Concatenate as its first input');
    }
    const [slowStem, fastStem] = feedsFusion(stemA) ? [stemA, stemB] : [stemB, stemA];

    let slow: Flow = { layer: slowStem[slowStem.length - 1]!.layer, channels: slowStem[slowStem.length - 1]!.spec.outChannels };
    let fast: Flow = { layer: fastStem[fastStem.length - 1]!.layer, channels: fastStem[fastStem.length - 1]!.spec.outChannels };
    const fusions: RecognisedFusion[] = [];
    const blocks: Record<Path, RecognisedBlock[][]> = { slow: [], fast: [] };
    let stage = 0;
    while (g.consumers(slow.layer).some((c) => c.layer.className === 'Concatenate' && c.via === 0)) {
      const fused = this.walkFusion(slow, fast, stage);
      fusions.push(fused.fusion);
      const slowStage = this.walkStage(fused.output, 'slow', stage);
      const fastStage = this.walkStage(fast, 'fast', stage);
      blocks.slow.push(slowStage);
      blocks.fast.push(fastStage);
      slow = lastOutput(slowStage);
      fast = lastOutput(fastStage);
      stage++;
    }
    if (stage === 0) facts.fail(slow.layer, 'found no fusion and no NF stage after the stems');
    const embeddingDim = this.walkHead(slow, fast);

    const unvisited = this.model.layers.filter((l) => !this.visited.has(l.name));
    if (unvisited.length > 0) {
      facts.fail(unvisited[0]!, `${unvisited.length} layer(s) are not part of the SF-NFNet-F0 structure, first ${describeLayer(unvisited[0])}`);
    }
    const activation = this.activation ?? 'gelu';
    const spec: SfNfNetSpec = {
      inputShape,
      slow: { stem: slowStem.map((c) => c.spec), stages: blocks.slow.map((s) => ({ blocks: s.map((b) => b.spec) })) },
      fast: { stem: fastStem.map((c) => c.spec), stages: blocks.fast.map((s) => ({ blocks: s.map((b) => b.spec) })) },
      fusions: fusions.map((f) => ({ temporal: f.temporal.spec, pointwise: f.pointwise.spec })),
      alpha: this.alpha ?? 0,
      activation,
      activationGain: SCALED_ACTIVATION_GAIN[activation],
      embeddingDim,
    };
    return { spec, stems: { slow: slowStem, fast: fastStem }, blocks, fusions };
  }

  private claim(layer: KerasLayer): KerasLayer {
    if (this.visited.has(layer.name)) this.facts.fail(layer, `${describeLayer(layer)} is reached twice by the structural walk`);
    this.visited.add(layer.name);
    return layer;
  }

  private inputShape(input: KerasLayer): [number, number, number] {
    const shape = (input.config.batch_input_shape ?? input.config.batch_shape) as unknown;
    const [, bins, frames, channels] = Array.isArray(shape) ? (shape as unknown[]) : [];
    const known = (d: unknown): d is number => typeof d === 'number';
    if (!Array.isArray(shape) || shape.length !== 4 || !known(bins) || !known(channels) || !(known(frames) || frames === null)) {
      this.facts.fail(input, `input '${input.name}' has shape ${JSON.stringify(shape)}, expected [null, mel bins, frames, channels]`);
    }
    // A model saved with a free time axis still takes upstream's 300-frame slices.
    return [bins, known(frames) ? frames : UPSTREAM_SLICE_FRAMES, channels];
  }

  private sole(layer: KerasLayer, where: string): KerasLayer {
    const cons = this.g.consumers(layer);
    if (cons.length !== 1) {
      this.facts.fail(layer, `${where}: ${describeLayer(layer)} should feed exactly one layer, it feeds ${cons.map((c) => describeLayer(c.layer)).join(', ') || 'nothing'}`);
    }
    return cons[0]!.layer;
  }

  private noteActivation(layer: KerasLayer, where: string): KerasLayer {
    const { activation } = this.facts.expectScaledActivation(layer, where);
    if (this.activation && this.activation !== activation) this.facts.fail(layer, `${where}: mixes scaled ${this.activation} and ${activation}`);
    this.activation = activation;
    return this.claim(layer);
  }

  private conv(layer: KerasLayer, inChannels: number, where: string): RecognisedConv {
    const cfg = this.facts.convConfig(layer);
    if (inChannels % cfg.groups !== 0 || cfg.filters % cfg.groups !== 0) {
      this.facts.fail(layer, `${where}: conv '${layer.name}' has ${cfg.groups} groups, which do not divide ${inChannels} inputs and ${cfg.filters} outputs`);
    }
    if (!cfg.useBias) this.facts.fail(layer, `${where}: conv '${layer.name}' has no bias`);
    this.claim(layer);
    return {
      layer,
      spec: { inChannels, outChannels: cfg.filters, kernel: cfg.kernel, strides: cfg.strides, groups: cfg.groups },
    };
  }

  private walkStem(first: KerasLayer, inChannels: number): RecognisedConv[] {
    const stem: RecognisedConv[] = [];
    let cur = first;
    let channels = inChannels;
    for (;;) {
      const c = this.conv(cur, channels, 'stem');
      stem.push(c);
      channels = c.spec.outChannels;
      const cons = this.g.consumers(cur);
      if (cons.length !== 1 || !scaledActivationOf(cons[0]!.layer)) break;
      const act = this.noteActivation(cons[0]!.layer, 'stem');
      cur = this.facts.expectClass(this.sole(act, 'stem'), 'WeightStandardization', `stem, after '${act.name}'`);
    }
    return stem;
  }

  private isFusionTemporal(layer: KerasLayer): boolean {
    if (layer.className !== 'WeightStandardization') return false;
    const next = this.g.consumers(layer);
    if (next.length !== 1 || next[0]!.layer.className !== 'WeightStandardization') return false;
    const after = this.g.consumers(next[0]!.layer);
    return after.length === 1 && after[0]!.layer.className === 'Concatenate' && after[0]!.via === 1;
  }

  private walkFusion(slow: Flow, fast: Flow, stage: number): { fusion: RecognisedFusion; output: Flow } {
    const where = `fusion before stage ${stage}`;
    const concat = this.g.consumers(slow.layer).find((c) => c.layer.className === 'Concatenate' && c.via === 0)!.layer;
    const ins = this.g.inputs(concat);
    if (ins.length !== 2) this.facts.fail(concat, `${where}: Concatenate '${concat.name}' should join the slow path and the fused fast path`);
    const axis = concat.config.axis ?? -1;
    if (axis !== -1 && axis !== 3) this.facts.fail(concat, `${where}: Concatenate '${concat.name}' joins on axis ${String(axis)}, expected the channel axis`);
    const pointwiseLayer = ins[1]!;
    const temporalLayer = this.facts.expectClass(this.g.inputs(pointwiseLayer)[0], 'WeightStandardization', `${where}, before '${pointwiseLayer.name}'`);
    const source = this.g.inputs(temporalLayer)[0];
    if (source !== fast.layer) {
      this.facts.fail(temporalLayer, `${where}: '${temporalLayer.name}' should read the fast path output '${fast.layer.name}', it reads ${describeLayer(source)}`);
    }
    const temporal = this.conv(temporalLayer, fast.channels, where);
    const pointwise = this.conv(pointwiseLayer, temporal.spec.outChannels, where);
    this.claim(concat);
    return { fusion: { temporal, pointwise }, output: { layer: concat, channels: slow.channels + pointwise.spec.outChannels } };
  }

  private walkStage(input: Flow, path: Path, stage: number): RecognisedBlock[] {
    const blocks = [this.walkBlock(input, true, `${path} stage ${stage} block 0`)];
    for (;;) {
      const out = blocks[blocks.length - 1]!.output;
      const identitySkip = this.g.consumers(out).some((c) => c.layer.className === 'StochDepth' && c.via === 0);
      if (!identitySkip) break;
      blocks.push(this.walkBlock({ layer: out, channels: blocks[0]!.spec.outChannels }, false, `${path} stage ${stage} block ${blocks.length}`));
    }
    return blocks;
  }

  private walkBlock(input: Flow, transition: boolean, where: string): RecognisedBlock {
    const facts: LayerFacts = this.facts;
    const g = this.g;
    const cons = g.consumers(input.layer).map((c) => c.layer).filter((l) => !this.isFusionTemporal(l) && !this.visited.has(l.name));
    let act: KerasLayer;
    let stochDepth: KerasLayer | null = null;
    if (transition) {
      const acts = cons.filter((l) => l.className === 'Activation');
      if (acts.length !== 1 || cons.some((l) => l.className === 'StochDepth')) {
        facts.fail(input.layer, `${where}: a transition block should start with one scaled activation after ${describeLayer(input.layer)}, found ${cons.map(describeLayer).join(', ') || 'nothing'}`);
      }
      act = acts[0]!;
    } else {
      const acts = cons.filter((l) => l.className === 'Activation');
      const sds = cons.filter((l) => l.className === 'StochDepth');
      if (acts.length !== 1 || sds.length !== 1) {
        facts.fail(input.layer, `${where}: a non-transition block should read ${describeLayer(input.layer)} through one activation and one StochDepth skip, found ${cons.map(describeLayer).join(', ') || 'nothing'}`);
      }
      act = acts[0]!;
      stochDepth = sds[0]!;
    }
    this.noteActivation(act, where);
    const betaLayer = facts.scalarMultiply(this.sole(act, where), false, `${where}, beta after '${act.name}'`);
    this.claim(betaLayer.layer);

    // Residual and skip both start from beta * act(x) in a transition block.
    const afterBeta = g.consumers(betaLayer.layer).map((c) => c.layer);
    let c0Layer: KerasLayer;
    let skipEntry: KerasLayer | null = null;
    if (transition) {
      if (afterBeta.length !== 2) facts.fail(betaLayer.layer, `${where}: a transition block's scaled input should feed the residual conv and the shortcut, it feeds ${afterBeta.map(describeLayer).join(', ')}`);
      const isResidualConv = (l: KerasLayer) =>
        l.className === 'WeightStandardization' && g.consumers(l).length === 1 && scaledActivationOf(g.consumers(l)[0]!.layer) !== null;
      const res = afterBeta.filter(isResidualConv);
      if (res.length !== 1) facts.fail(betaLayer.layer, `${where}: cannot tell the residual conv from the shortcut after '${betaLayer.layer.name}'`);
      c0Layer = res[0]!;
      skipEntry = afterBeta.find((l) => l !== c0Layer)!;
    } else {
      if (afterBeta.length !== 1) facts.fail(betaLayer.layer, `${where}: the scaled input should feed one conv, it feeds ${afterBeta.map(describeLayer).join(', ')}`);
      c0Layer = afterBeta[0]!;
    }

    const convs: RecognisedConv[] = [];
    let cur = c0Layer;
    let channels = input.channels;
    for (let k = 0; k < 4; k++) {
      const c = this.conv(facts.expectClass(cur, 'WeightStandardization', `${where} conv${k}`), channels, `${where} conv${k}`);
      convs.push(c);
      channels = c.spec.outChannels;
      if (k < 3) {
        const a = this.noteActivation(this.sole(c.layer, `${where} conv${k}`), `${where} after conv${k}`);
        cur = this.sole(a, `${where} after conv${k}`);
      }
    }
    const c3 = convs[3]!;
    const out = c3.spec.outChannels;

    // Squeeze-excite: GAP -> Dense(relu) -> Dense(sigmoid) -> x*2.0 -> expand_dims(1) x2 -> * conv output.
    const seCons = g.consumers(c3.layer);
    const gap = seCons.find((c) => c.layer.className === 'GlobalAveragePooling2D' && c.via === 0)?.layer;
    const mult = seCons.find((c) => c.layer.className === 'TFOpLambda' && c.via === 'y')?.layer;
    if (seCons.length !== 2 || !gap || !mult) {
      facts.fail(c3.layer, `${where}: the last conv '${c3.layer.name}' should feed a squeeze-excite (GlobalAveragePooling2D and the excitation multiply), it feeds ${seCons.map((c) => describeLayer(c.layer)).join(', ')}`);
    }
    if (gap.config.keepdims === true) facts.fail(gap, `${where}: squeeze-excite pooling '${gap.name}' keeps dims`);
    this.claim(gap);
    const d0 = this.claim(this.sole(gap, `${where} squeeze-excite`));
    const hidden = facts.denseUnits(d0, 'relu', `${where} squeeze-excite`);
    const d1 = this.claim(this.sole(d0, `${where} squeeze-excite`));
    const seOut = facts.denseUnits(d1, 'sigmoid', `${where} squeeze-excite`);
    if (seOut !== out) facts.fail(d1, `${where}: squeeze-excite output has ${seOut} units, expected ${out}`);
    const times2 = this.claim(facts.tfOp(this.sole(d1, `${where} squeeze-excite`), 'math.multiply', `${where} squeeze-excite x*2`));
    const y = times2.calls[0]?.kwargs.y;
    if (y !== 2 && y !== 2.0) facts.fail(times2, `${where}: '${times2.name}' multiplies by ${JSON.stringify(y)}, expected 2.0`);
    let e = times2;
    for (let i = 0; i < 2; i++) {
      e = this.claim(facts.tfOp(this.sole(e, `${where} squeeze-excite`), 'expand_dims', `${where} squeeze-excite expand_dims`));
      if (e.calls[0]?.kwargs.axis !== 1) facts.fail(e, `${where}: '${e.name}' expands axis ${JSON.stringify(e.calls[0]?.kwargs.axis)}, expected 1`);
    }
    if (this.sole(e, `${where} squeeze-excite`) !== mult) facts.fail(e, `${where}: the excitation should multiply the conv output in '${mult.name}'`);
    facts.tfOp(mult, 'math.multiply', `${where} squeeze-excite multiply`);
    this.claim(mult);

    const skipGain = facts.scalarMultiply(this.sole(mult, `${where}`), true, `${where}, skip gain`);
    this.claim(skipGain.layer);
    const alphaL = facts.scalarMultiply(this.sole(skipGain.layer, where), false, `${where}, alpha`);
    this.claim(alphaL.layer);
    if (this.alpha !== null && this.alpha !== alphaL.initGain) facts.fail(alphaL.layer, `${where}: alpha ${alphaL.initGain} differs from ${this.alpha} elsewhere`);
    this.alpha = alphaL.initGain;
    const sd = facts.expectClass(this.sole(alphaL.layer, where), 'StochDepth', `${where}, residual sum`);
    if (stochDepth && sd !== stochDepth) facts.fail(sd, `${where}: the residual branch and the identity skip meet in different layers`);
    const sdIns = g.inputs(sd);
    if (sdIns.length !== 2 || sdIns[1] !== alphaL.layer) facts.fail(sd, `${where}: StochDepth '${sd.name}' should take [skip, residual]`);

    // Skip path.
    let shortcut: RecognisedConv | null = null;
    let poolStride = 1;
    if (transition) {
      let s = skipEntry!;
      if (s.className === 'AveragePooling2D') {
        const pool = s.config.pool_size as number[];
        const strides = s.config.strides as number[];
        if (!Array.isArray(pool) || pool[1] !== 1 || JSON.stringify(strides) !== JSON.stringify(pool) || s.config.padding !== 'same') {
          facts.fail(s, `${where}: shortcut pooling '${s.name}' should be (f,1) with stride (f,1) and 'same' padding`);
        }
        poolStride = pool[0]!;
        this.claim(s);
        s = this.sole(s, `${where} shortcut`);
      }
      shortcut = this.conv(facts.expectClass(s, 'WeightStandardization', `${where} shortcut`), input.channels, `${where} shortcut`);
      if (sdIns[0] !== shortcut.layer) facts.fail(sd, `${where}: StochDepth '${sd.name}' should add the shortcut '${shortcut.layer.name}'`);
      if (shortcut.spec.outChannels !== out) facts.fail(shortcut.layer, `${where}: shortcut has ${shortcut.spec.outChannels} channels, the residual ${out}`);
    } else if (sdIns[0] !== input.layer) {
      facts.fail(sd, `${where}: StochDepth '${sd.name}' should add the block input '${input.layer.name}'`);
    } else if (input.channels !== out) {
      facts.fail(c3.layer, `${where}: identity skip with ${input.channels} channels but the residual has ${out}`);
    }
    this.claim(sd);
    const freqStride = convs[1]!.spec.strides[0];
    if (transition && freqStride !== poolStride) facts.fail(convs[1]!.layer, `${where}: residual stride ${freqStride} and shortcut pooling ${poolStride} disagree`);

    const survival = sd.config.survival_probability;
    const spec: BlockSpec = {
      transition,
      inChannels: input.channels,
      outChannels: out,
      midChannels: convs[0]!.spec.outChannels,
      freqStride,
      beta: betaLayer.initGain,
      survivalProbability: typeof survival === 'number' ? survival : 1,
      convs: convs.map((c) => c.spec) as BlockSpec['convs'],
      shortcut: shortcut?.spec ?? null,
      seHidden: hidden,
    };
    return { spec, convs: convs as RecognisedBlock['convs'], shortcut, se: [d0, d1], skipGain: skipGain.layer, output: sd };
  }

  private walkHead(slow: Flow, fast: Flow): number {
    const facts: LayerFacts = this.facts;
    const g = this.g;
    const gapOf = (f: Flow, path: Path) => {
      const gaps = g.consumers(f.layer).filter((c) => c.layer.className === 'GlobalAveragePooling2D');
      if (gaps.length !== 1) facts.fail(f.layer, `head: the ${path} path output '${f.layer.name}' should feed one GlobalAveragePooling2D`);
      return this.claim(gaps[0]!.layer);
    };
    const gs = gapOf(slow, 'slow');
    const gf = gapOf(fast, 'fast');
    const concat = facts.expectClass(this.sole(gs, 'head'), 'Concatenate', 'head');
    const ins = g.inputs(concat);
    if (ins.length !== 2 || ins[0] !== gs || ins[1] !== gf) {
      facts.fail(concat, `head: '${concat.name}' should concatenate [GAP(slow), GAP(fast)] in that order, it joins ${ins.map(describeLayer).join(', ')}`);
    }
    this.claim(concat);
    const act = this.noteActivation(this.sole(concat, 'head'), 'head');
    const tail = g.consumers(act);
    if (tail.length > 0) {
      facts.fail(tail[0]!.layer, `this looks like a training checkpoint: the embedding activation '${act.name}' feeds ${describeLayer(tail[0]!.layer)} (a projector/fc head). The released MULE model ends at the ${slow.channels + fast.channels}-d activation; cut the head off before converting`);
    }
    const outs = this.model.outputs;
    if (outs.length !== 1 || outs[0]!.layer !== act.name) {
      facts.fail(act, `the model output should be the embedding activation '${act.name}', it is ${outs.map((o) => `'${o.layer}'`).join(', ')}`);
    }
    return slow.channels + fast.channels;
  }
}

function lastOutput(stage: RecognisedBlock[]): Flow {
  const last = stage[stage.length - 1]!;
  return { layer: last.output, channels: last.spec.outChannels };
}
