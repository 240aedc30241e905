import type { Component, Simulator } from '../../engine/simulator.js';

/** What a PE needs from whatever steps it: a step at `time` or earlier. */
export interface PeWaker {
  wakeAt(time: number): void;
}

/** The part of a PE its group steps. */
export interface GroupMember {
  /** Starts and sends all the windows it can at `now` or later; asks its waker for what it waits on. */
  act(now: number): void;
  /** Ends the cycle: advances a stepped pipeline model (tick engine); true while it must be stepped again. */
  endCycle(now: number): boolean;
}

/**
 * Steps the PEs of one psum chain as one component. Vertically adjacent PEs hand psum vectors to each other
 * through a one-vector FIFO, so stepped apart they take an engine event per vector and PE; stepped together,
 * a vector sent up and the credit sent back down are acted on in the same step, by acting again on every member
 * woken meanwhile until none is. That is exact because a PE acts at the latest of the times it knows (an earlier
 * step never acts too early, see ProcessingElement), a step is never later than its earliest wake-up, and a PE
 * that stops short asks to be woken by whatever it waits for: a member not woken has nothing new to act on.
 */
export class PeGroup implements Component {
  id = -1;
  private nextWake = Infinity;
  private stepping = false;
  /** Members to act on at the next step (all at first). */
  private readonly woken: Uint8Array;
  private wokenCount: number;

  constructor(readonly name: string, private readonly sim: Simulator, private readonly members: readonly GroupMember[]) {
    this.woken = new Uint8Array(members.length).fill(1);
    this.wokenCount = members.length;
  }

  /** Member i's waker. */
  wakerOf(i: number): PeWaker {
    return new MemberWaker(this, i);
  }

  wake(i: number, time: number): void {
    if (this.woken[i] === 0) {
      this.woken[i] = 1;
      this.wokenCount++;
    }
    if (this.stepping || time >= this.nextWake) return; // while stepping: acted on again in this step
    this.nextWake = time;
    this.sim.wake(this.id, time);
  }

  step(now: number): void {
    if (now >= this.nextWake) this.nextWake = Infinity;
    const members = this.members;
    const woken = this.woken;
    this.stepping = true;
    while (this.wokenCount > 0) {
      for (let i = 0; i < members.length; i++) {
        if (woken[i] === 0) continue;
        woken[i] = 0;
        this.wokenCount--;
        members[i]!.act(now);
      }
    }
    this.stepping = false;
    for (let i = 0; i < members.length; i++) if (members[i]!.endCycle(now)) this.wake(i, now + 1);
  }
}

/** A member's wake-ups, told to its group (a class, not a closure per PE: one call target for every PE). */
class MemberWaker implements PeWaker {
  constructor(private readonly group: PeGroup, private readonly index: number) {}

  wakeAt(time: number): void {
    this.group.wake(this.index, time);
  }
}
