// Which suite this process runs (ava.config.js): `npm test` (fast) or `npm run test:slow`. A file
// listed in ava.config.js's `split` runs in both and registers its tests by this.
export const slowSuite = process.env.CNNC_TESTS === 'slow';
