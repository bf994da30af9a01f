import { defineConfig } from 'vite';

// A static bundle (dist/) that any web server can serve; top-level await needs ES2022.
export default defineConfig({
    build: { target: 'es2022' },
    server: { fs: { allow: ['..', '../../idl'] } },
});
