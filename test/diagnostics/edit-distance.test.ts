import test from 'ava';
import {
  editDistance,
  maxSuggestionDistance,
  suggest,
  suggestAll,
} from '../../compiler/util/edit-distance.js';

const distances: [string, string, number][] = [
  ['', '', 0],
  ['', 'abc', 3],
  ['abc', '', 3],
  ['maxpool', 'maxpool', 0],
  ['maxpol', 'maxpool', 1],
  ['mxapool', 'maxpool', 1],
  ['ca', 'abc', 3],
  ['kitten', 'sitting', 3],
  ['batchnrom', 'batchnorm', 1],
];

for (const [a, b, expected] of distances) {
  test(`editDistance(${JSON.stringify(a)}, ${JSON.stringify(b)}) = ${expected}`, (t) => {
    t.is(editDistance(a, b), expected);
    t.is(editDistance(b, a), expected);
  });
}

const layers = [
  'conv',
  'conv1d',
  'conv3d',
  'maxpool',
  'avgpool',
  'relu',
  'relu6',
  'gelu',
  'linear',
  'flatten',
  'batchnorm',
  'dropout',
];

const suggestions: [string, string | undefined][] = [
  ['maxpol', 'maxpool'],
  ['MaxPool', 'maxpool'],
  ['ReLU', 'relu'],
  ['batchnrom', 'batchnorm'],
  ['flaten', 'flatten'],
  ['lineer', 'linear'],
  ['conv2d', 'conv1d'],
  ['dense', undefined],
  ['softmax', undefined],
  ['x', undefined],
  ['', undefined],
];

for (const [name, expected] of suggestions) {
  test(`suggest(${JSON.stringify(name)}) is ${String(expected)}`, (t) => {
    t.is(suggest(name, layers), expected);
  });
}

test('the cut-off grows with the length of the name', (t) => {
  t.deepEqual(
    ['ab', 'abcde', 'abcdef', 'abcdefgh', 'abcdefghi'].map(maxSuggestionDistance),
    [1, 1, 2, 2, 3],
  );
});

test('suggestAll ranks by distance, then alphabetically, whatever the input order', (t) => {
  const forward = suggestAll('relu', ['relu6', 'gelu', 'elu', 'selu']);
  const backward = suggestAll('relu', ['selu', 'elu', 'gelu', 'relu6']);
  t.deepEqual(forward, ['elu', 'gelu', 'relu6', 'selu']);
  t.deepEqual(backward, forward);
});

test('the name itself is never suggested, but another case of it is', (t) => {
  t.is(suggest('relu', ['relu']), undefined);
  t.is(suggest('Stem', ['Stem', 'stem']), 'stem');
});
