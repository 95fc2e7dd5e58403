// Virtual or real time, always in milliseconds. Fractions are allowed (the simulator
// schedules sub-millisecond serialisation delays); drivers hand it in, cores never read it.
export type Millis = number;
