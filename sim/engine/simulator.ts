import { SimulationError } from '../errors.js';
import { EventQueue } from './event-queue.js';

/**
 * A hardware component driven by the engine. `step(now)` does everything the component can do at cycle `now`
 * and must be idempotent within a cycle (a second call at the same `now` changes nothing). Components talk
 * only through timestamped deliveries that arrive at least one cycle after they are sent, so the order in
 * which components step inside a cycle cannot change any result.
 */
export interface Component {
  readonly name: string;
  step(now: number): void;
}

export type EngineKind = 'event' | 'tick';

/** Progress is reported every 2^18 steps: a few times a second at the engine's speed, nothing measurable in cost. */
const PROGRESS_MASK = 2 ** 18 - 1;

/**
 * The discrete-event core. In `event` mode a component steps only at cycles it was woken for (a delivery to
 * it, or a timer it set); in `tick` mode every component steps every cycle, STONNE-style. The tick engine is
 * the reference that the event engine's shortcuts are checked against: on the same layer both must produce
 * the same cycles and the same access counts.
 */
export class Simulator {
  readonly components: Component[] = [];
  /** Component steps executed (event mode) or component visits (tick mode). */
  steps = 0;
  /** Wake-ups scheduled. */
  wakes = 0;
  now = 0;
  /**
   * Called with the current cycle every PROGRESS_STEPS component steps (event engine) or cycles (tick engine), for
   * progress bars during a long layer; one branch per step when unset.
   */
  onProgress: ((now: number) => void) | undefined;
  private readonly queue = new EventQueue(4096);
  private lastStep = new Float64Array(0);

  constructor(readonly kind: EngineKind, private readonly maxCycles = 2 ** 32 - 2) {}

  add<T extends Component>(component: T): number {
    this.components.push(component);
    return this.components.length - 1;
  }

  /** Asks for `step(time)` of component `id`. */
  wake(id: number, time: number): void {
    if (time < this.now) throw new SimulationError(`wake of ${this.components[id]?.name} at ${time} < now ${this.now}`);
    this.wakes++;
    this.queue.push(time, id, 0);
  }

  /** Runs until nothing is pending; returns the last cycle at which anything stepped. */
  run(): number {
    this.lastStep = new Float64Array(this.components.length).fill(-1);
    return this.kind === 'event' ? this.runEvents() : this.runTicks();
  }

  private runEvents(): number {
    const { queue, components, lastStep } = this;
    let last = 0;
    while (queue.pop()) {
      const t = queue.time;
      const id = queue.target;
      if (lastStep[id] === t) continue; // already stepped this cycle: deliveries for `t` were all in place
      lastStep[id] = t;
      this.now = last = t;
      if ((++this.steps & PROGRESS_MASK) === 0 && this.onProgress) this.onProgress(t);
      components[id]!.step(t);
    }
    return last;
  }

  private runTicks(): number {
    const { queue, components } = this;
    let t = 0;
    let last = 0;
    // Visit every component every cycle while anything is pending; wake-ups only tell when the system is idle.
    while (queue.size > 0) {
      if (t > this.maxCycles) throw new SimulationError(`tick engine passed ${this.maxCycles} cycles`);
      this.now = t;
      while (queue.size > 0 && queue.peekTime() <= t) {
        queue.pop();
        last = t;
      }
      if ((t & PROGRESS_MASK) === 0 && this.onProgress) this.onProgress(t);
      for (let id = 0; id < components.length; id++) components[id]!.step(t);
      this.steps += components.length;
      t++;
    }
    return last;
  }
}
