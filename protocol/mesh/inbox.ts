// The application side of a mesh node (py2p's handler chain and recv queue): layers' default
// handlers run first, then the user's in registration order until one returns true
// (`Array.some`); a message nobody consumed waits in a bounded inbox for recv().
import type { MeshLimits } from './config.ts';
import { MeshError } from './events.ts';
import type { MeshHandler, MeshMessage } from './message.ts';

export class Inbox {
  private readonly queue: MeshMessage[] = [];
  private readonly handlers: MeshHandler[] = [];
  private readonly defaults: MeshHandler[] = [];

  constructor(private readonly limits: MeshLimits) {}

  /** py2p register_handler: `fn(message, node)`; a handler of another arity is refused. */
  register(fn: MeshHandler): void {
    if (typeof fn !== 'function' || fn.length !== 2) {
      throw new MeshError('handler-arity', `a handler takes (message, node); this one takes ${typeof fn === 'function' ? fn.length : 'nothing'}`);
    }
    if (this.handlers.length >= this.limits.handlers_max) throw new MeshError('handlers-full', `${this.limits.handlers_max} handlers`);
    this.handlers.push(fn);
  }

  /** For layers built on the mesh (the sync dict): runs before every user handler. */
  registerDefault(fn: MeshHandler): void {
    this.defaults.push(fn);
  }

  /**
   * Runs the handlers; queues the message when none consumed it. Returns 'threw' when a
   * handler threw (the message counts as handled), 'full' when the oldest queued one was
   * dropped to make room, else undefined.
   */
  offer(message: MeshMessage, node: unknown): { threw: unknown } | 'full' | undefined {
    let handled = false;
    try {
      handled = this.defaults.some((h) => h(message, node) === true) || this.handlers.some((h) => h(message, node) === true);
    } catch (error) {
      return { threw: error };
    }
    if (handled) return undefined;
    let full = false;
    if (this.queue.length >= this.limits.inbox_max) {
      this.queue.shift();
      full = true;
    }
    this.queue.push(message);
    return full ? 'full' : undefined;
  }

  /** Next message no handler consumed, oldest first. */
  recv(): MeshMessage | undefined {
    return this.queue.shift();
  }
}
