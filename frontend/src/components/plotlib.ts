// The parts of Observable Plot the charts use: a dynamic import of this
// module (see plot.ts) keeps tree-shaking, which a dynamic import of the whole
// package would not (126 instead of 80 kB gzipped).
export { cell, plot, rect, rectY, ruleX, ruleY, text } from '@observablehq/plot';
