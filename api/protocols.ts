// peerlab/protocols: the protocols peerlab ships, each a namespace of Sans-IO machines with
// their configs, events and wire codecs, as their own folder's index exports them:
//   punch     STUN server/client, rendezvous server, PunchClient (hole punching, relay)
//   rudp      the secure reliable UDP transport (Noise XX, streams, messages, datagrams)
//   peer      punch + secure transport on one port (Peer)
//   direct    a known-address peer with the Peer's surface (DirectPeer)
//   transfer  the file transfer `peerlab connect` runs (FileTransfer)
//   echo      ping/pong with RTT statistics (the simulator's test load)
//   mesh      the mesh overlay (MeshNode, SecureMesh) and sync (replicated dict)
//   chord     Chord DHT node and dict client
//   discovery mDNS/DNS-SD and LAN PING/PONG
//   typed     peerpy-style typed connections
export * as punch from '../protocol/punch/index.ts';
export * as peer from '../protocol/peer/index.ts';
export * as transfer from '../protocol/transfer/index.ts';
export * as echo from '../protocol/echo/index.ts';
export * as chord from '../protocol/chord/index.ts';
export * as discovery from '../protocol/discovery/index.ts';
export * as typed from '../protocol/typed/index.ts';
export * as rudp from './protocols-rudp.ts';
export * as mesh from './protocols-mesh.ts';
export * as direct from './protocols-direct.ts';
