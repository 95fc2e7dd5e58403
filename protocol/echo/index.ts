// protocol/echo: a small ping/pong protocol with RTT statistics, the simulator's test load.
export * from './codec.ts';
export * from './config.ts';
export * from './events.ts';
export * from './rtt-stats.ts';
export * from './client.ts';
export * from './server.ts';
