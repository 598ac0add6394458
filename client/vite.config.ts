import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { compression } from 'vite-plugin-compression2';

// The API server for `pnpm dev` (the server's default port unless API_URL says otherwise).
const api = process.env.API_URL ?? 'http://localhost:4000';

export default defineConfig({
  // Brotli and gzip copies beside each file at build time: the server sends them as they are.
  plugins: [react(), compression({ algorithms: ['brotliCompress', 'gzip'], threshold: 1024 })],
  server: {
    port: 5173,
    proxy: {
      '/graphql': { target: api, ws: true },
      '/auth': { target: api },
      '/files': { target: api },
    },
  },
  build: {
    outDir: 'dist',
    sourcemap: false,
    target: 'es2022',
  },
});
