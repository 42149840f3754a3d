import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The Go server listens here in development (`make run`); `npm run dev`
// serves the UI with hot reload and forwards the API to it.
const backend = 'http://127.0.0.1:8080';
const proxy = {
  '/api': { target: backend, changeOrigin: false },
  '/healthz': { target: backend },
  '/readyz': { target: backend },
};

export default defineConfig({
  plugins: [react()],
  server: { proxy },
  preview: { proxy },
  build: {
    outDir: 'dist/app', // dist/placeholder.html stays (see embed.go)
    emptyOutDir: true,
    sourcemap: false,
  },
  test: {
    environment: 'happy-dom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    // Safety nets, not measures of speed (vitest's defaults are 5 s and 10 s).
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
