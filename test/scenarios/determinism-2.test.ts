// Same scenario + same seed = byte-identical trace: the second shard of every registered
// scenario (see determinism-shard.ts).
import { determinismShard } from './determinism-shard.ts';

determinismShard(1);
