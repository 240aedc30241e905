/**
 * Timing of the v2 PE's 7-stage pipeline (JETCAS19 §IV-B): stages 1-2 fetch iacts (address, data), stage 3
 * looks up the matching weight column, stage 4 reads one weight data word (simdWidth weights) per cycle, and
 * the last stages do the MACs and the psum update. We model it as two decoupled halves:
 *
 *   front end (FE, stages 1-3): one token per cycle; a token is a stored iact, or an all-zero iact column
 *     whose only cost is its address read;
 *   back end (BE, stage 4+): a token with `words` weight words occupies stage 4 for `words` cycles, `lead`
 *     cycles after its FE cycle at the earliest (2 on v2: iact data read, weight address, weight data read); tokens with no weights (zero column, or an iact outside the
 *     filter) are dropped after stage 3 ("not passed further", §IV-B) and cost only their FE cycle;
 *   at most `queueDepth` BE-bound tokens may sit between the halves (stage-3 register plus the fetch queue),
 *     so a run of long columns stalls the FE;
 *   a window's psums are complete `tail` cycles after its last word (the MAC and psum stages).
 *
 * Windows follow each other through the pipeline without draining it. Besides a window's FE end and
 * completion, the models tell the cycle its FE has read its first `mark` tokens (the iacts of its oldest
 * segments), from which those SPad entries may take the next window's iacts. The event engine uses the closed
 * recurrence (RecurrenceTiming); the tick engine steps the same rules cycle by cycle (SteppedTiming). The
 * two must agree exactly; test/hw/pe-pipeline.test.ts holds them to it token by token, for every lead
 * (0 on Eyeriss v1, whose SPad reads share one stage), and test/run/engines-agree.test.ts layer by layer.
 */
export interface PipelineTiming {
  /**
   * Starts window `seq` at cycle `now` with FE tokens `words[0..n)` (0 = dropped after stage 3), of which the
   * first `mark` read the window's oldest iacts (its first segment of each input row).
   */
  start(seq: number, now: number, words: Int32Array, n: number, mark: number): void;
  /** Cycle from which the FE is free for the next window (Infinity while not known). */
  feEnd(seq: number): number;
  /** Cycle from which the FE has read the window's first `mark` tokens, so their SPad entries are free. */
  feMark(seq: number): number;
  /** Cycle from which window `seq`'s psums are complete (Infinity while not known). */
  done(seq: number): number;
  /** Advances one cycle (stepped model only). */
  advance(now: number): void;
  /** Whether cycles must still be stepped to learn a window's times (stepped model only). */
  readonly stepping: boolean;
  /** Called with a cycle at which a window's feEnd or done falls, when it becomes known after start. */
  notify: (time: number) => void;
  /** Cycles in which stage 4 read a weight word (the PE's busy cycles). */
  readonly busyCycles: number;
}


export class RecurrenceTiming implements PipelineTiming {
  busyCycles = 0;
  private feFree = 0;
  private beFree = 0;
  private readonly beStarts: Float64Array; // BE start cycles of the last queueDepth BE-bound tokens
  private ring = 0;
  // Times of the windows in flight, a ring of `ring` (a power of two, more than the windows in flight).
  private readonly mask: number;
  private readonly feEnds: Float64Array;
  private readonly feMarks: Float64Array;
  private readonly dones: Float64Array;

  constructor(private readonly queueDepth: number, private readonly lead: number, private readonly tail: number, ring: number) {
    this.beStarts = new Float64Array(queueDepth).fill(-Infinity);
    this.mask = ring - 1;
    this.feEnds = new Float64Array(ring).fill(Infinity);
    this.feMarks = new Float64Array(ring).fill(Infinity);
    this.dones = new Float64Array(ring).fill(Infinity);
  }

  start(seq: number, now: number, words: Int32Array, n: number, mark: number): void {
    let fe = Math.max(now, this.feFree);
    let lastBeEnd = -Infinity;
    const { beStarts, queueDepth } = this;
    for (let t = 0; t < n; t++) {
      if (t === mark) this.feMarks[seq & this.mask] = fe;
      const w = words[t]!;
      if (w === 0) {
        fe++;
        continue;
      }
      const oldest = beStarts[this.ring]!; // the queueDepth-th previous BE-bound token
      const issue = oldest > fe ? oldest : fe;
      const beStart = Math.max(issue + this.lead, this.beFree);
      this.beFree = beStart + w;
      beStarts[this.ring] = beStart;
      this.ring = this.ring + 1 === queueDepth ? 0 : this.ring + 1;
      fe = issue + 1;
      lastBeEnd = this.beFree;
      this.busyCycles += w;
    }
    this.feFree = fe;
    this.feEnds[seq & this.mask] = fe;
    if (mark >= n) this.feMarks[seq & this.mask] = fe;
    this.dones[seq & this.mask] = Math.max(fe, lastBeEnd + this.tail);
  }

  feEnd(seq: number): number {
    return this.feEnds[seq & this.mask]!;
  }

  feMark(seq: number): number {
    return this.feMarks[seq & this.mask]!;
  }

  done(seq: number): number {
    return this.dones[seq & this.mask]!;
  }

  advance(): void {}

  readonly stepping = false;
  notify: (time: number) => void = () => undefined;
}

/** The same rules, one cycle at a time: the reference for RecurrenceTiming. */
export class SteppedTiming implements PipelineTiming {
  busyCycles = 0;
  // Times of the windows in flight, a ring of `ring` (a power of two, more than the windows in flight).
  private readonly mask: number;
  private readonly feEnds: Float64Array;
  private readonly feMarks: Float64Array;
  private readonly dones: Float64Array;
  // FE: windows waiting to be fetched, each a copy of its tokens.
  private readonly feWindows: { seq: number; start: number; words: number[]; next: number; mark: number }[] = [];
  // BE-bound tokens between the halves, and the token in stage 4.
  private readonly queue: { ready: number; words: number; seq: number }[] = [];
  private beRemaining = 0;
  private beSeq = -1;
  // Per window: BE tokens not yet finished, and the latest BE end.
  private readonly pendingBe = new Map<number, { left: number; lastEnd: number; feDone: boolean; feEnd: number }>();

  notify: (time: number) => void = () => undefined;

  get stepping(): boolean {
    return this.pendingBe.size > 0;
  }

  constructor(private readonly queueDepth: number, private readonly lead: number, private readonly tail: number, ring: number) {
    this.mask = ring - 1;
    this.feEnds = new Float64Array(ring).fill(Infinity);
    this.feMarks = new Float64Array(ring).fill(Infinity);
    this.dones = new Float64Array(ring).fill(Infinity);
  }

  start(seq: number, now: number, words: Int32Array, n: number, mark: number): void {
    this.feEnds[seq & this.mask] = Infinity;
    this.feMarks[seq & this.mask] = Infinity;
    this.dones[seq & this.mask] = Infinity;
    this.pendingBe.set(seq, { left: 0, lastEnd: -Infinity, feDone: false, feEnd: 0 });
    if (n === 0) this.finishFe(seq, now);
    else this.feWindows.push({ seq, start: now, words: Array.from(words.subarray(0, n)), next: 0, mark: Math.min(mark, n) });
  }

  feEnd(seq: number): number {
    return this.feEnds[seq & this.mask]!;
  }

  feMark(seq: number): number {
    return this.feMarks[seq & this.mask]!;
  }

  done(seq: number): number {
    return this.dones[seq & this.mask]!;
  }

  advance(now: number): void {
    // Stage 4 first: a token starting now frees its queue slot for this cycle's FE.
    let beIdle = false;
    if (this.beRemaining > 0) {
      this.beRemaining--;
      this.busyCycles++;
      if (this.beRemaining === 0) this.beTokenEnded(now + 1);
    } else if (!this.beginBe(now)) {
      beIdle = true;
    }
    // Front end: one token per cycle for the oldest window that has started.
    const win = this.feWindows[0];
    if (!win || win.start > now) return;
    if (win.next === win.mark && this.feMarks[win.seq & this.mask] === Infinity) this.markAt(win.seq, now);
    const w = win.words[win.next]!;
    if (w > 0) {
      if (this.queue.length >= this.queueDepth) return; // stall
      this.queue.push({ ready: now + this.lead, words: w, seq: win.seq });
      this.pendingBe.get(win.seq)!.left++;
    }
    win.next++;
    if (win.next === win.mark) this.markAt(win.seq, now + 1);
    if (win.next === win.words.length) {
      this.feWindows.shift();
      this.finishFe(win.seq, now + 1);
    }
    // With lead 0 (iact and weight read in one stage, Eyeriss v1) a token fetched now reaches stage 4 now,
    // as in the recurrence (beStart = issue + lead), when stage 4 has nothing else this cycle.
    if (beIdle) this.beginBe(now);
  }

  /** Moves the queue's head into stage 4 at `now` if it is ready; false if stage 4 stays idle. */
  private beginBe(now: number): boolean {
    if (this.queue.length === 0 || this.queue[0]!.ready > now) return false;
    const token = this.queue.shift()!;
    this.beSeq = token.seq;
    this.beRemaining = token.words - 1;
    this.busyCycles++;
    if (this.beRemaining === 0) this.beTokenEnded(now + 1);
    return true;
  }

  private markAt(seq: number, time: number): void {
    this.feMarks[seq & this.mask] = time;
    this.notify(time);
  }

  private finishFe(seq: number, feEnd: number): void {
    if (this.feMarks[seq & this.mask] === Infinity) this.markAt(seq, feEnd);
    this.feEnds[seq & this.mask] = feEnd;
    this.notify(feEnd);
    const p = this.pendingBe.get(seq)!;
    p.feDone = true;
    p.feEnd = feEnd;
    this.settle(seq);
  }

  private beTokenEnded(end: number): void {
    const p = this.pendingBe.get(this.beSeq)!;
    p.left--;
    p.lastEnd = end;
    this.settle(this.beSeq);
  }

  private settle(seq: number): void {
    const p = this.pendingBe.get(seq)!;
    if (!p.feDone || p.left > 0) return;
    this.dones[seq & this.mask] = Math.max(p.feEnd, p.lastEnd + this.tail);
    this.notify(this.dones[seq & this.mask]!);
    this.pendingBe.delete(seq);
  }
}
