// Same scenario + same seed = byte-identical trace, for slow shard 5 of 7 (16 MiB transfers and
// the other slow scenarios; see determinism-shard.ts). Always runs: no opt-in variable.
import { slowDeterminismShard } from './determinism-shard.ts';

slowDeterminismShard(4);
