// Vite build of the trace viewer: `npm run viz:build` writes a static app to viz/dist with
// relative asset paths, so `peerlab viz` (or any static server) can serve it from any path.
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1000,
  },
  server: { host: '127.0.0.1' },
});
