// The window geometry moved to compiler/ir/geometry.ts; re-exported for the importers that
// predate the move.
export * from '../ir/geometry.js';
