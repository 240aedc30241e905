import type { Component, Simulator } from '../../engine/simulator.js';

/** What a PE needs from whatever steps it: a step at `time` or earlier. */
export interface PeWaker {
  wakeAt(time: number): void;
}

/** The part of a PE its group steps. */
export interface GroupMember {
  /** Starts and sends all the windows it can at `now` or later; returns how many. */
  act(now: number): number;
  /** Ends the cycle: advances a stepped pipeline model (tick engine); true while it must be stepped again. */
  endCycle(now: number): boolean;
}

/**
 * Steps the PEs of one psum chain as one component. Vertically adjacent PEs hand psum vectors to each other
 * through a one-vector FIFO, so stepped apart they take an engine event per vector and PE; stepped together,
 * a vector sent up and the credit sent back down are acted on in the same step, by going round the members
 * until none moves. That is exact because a PE acts at the latest of the times it knows (an earlier step
 * never acts too early, see ProcessingElement), and a step is never later than its earliest wake-up.
 */
export class PeGroup implements Component {
  id = -1;
  private nextWake = Infinity;
  private stepping = false;
  private moved = false;

  constructor(readonly name: string, private readonly sim: Simulator, private readonly members: readonly GroupMember[]) {}

  wakeAt(time: number): void {
    if (this.stepping) {
      this.moved = true; // go round again in this step
      return;
    }
    if (time >= this.nextWake) return;
    this.nextWake = time;
    this.sim.wake(this.id, time);
  }

  step(now: number): void {
    if (now >= this.nextWake) this.nextWake = Infinity;
    const members = this.members;
    this.stepping = true;
    do {
      this.moved = false;
      for (let i = 0; i < members.length; i++) if (members[i]!.act(now) > 0) this.moved = true;
    } while (this.moved);
    this.stepping = false;
    let again = false;
    for (let i = 0; i < members.length; i++) if (members[i]!.endCycle(now)) again = true;
    if (again) this.wakeAt(now + 1);
  }
}
