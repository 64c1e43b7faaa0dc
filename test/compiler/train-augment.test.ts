// The `augment` and `early_stop` keys of a `train` section: accepted values become the module's
// `trainSpec`, wrong ones are CNN2020/CNN2021 with the user's numbers.
import test from 'ava';
import { compileSource } from '../../compiler/compile.js';
import { trainSpecOf } from '../../compiler/emit/train-spec.js';

function section(lines: string): ReturnType<typeof compileSource> {
  return compileSource(
    'm.cnn',
    `model M {\n  input x: [1, 8, 8]\n  flatten\n  fc(2)\n  output y\n}\ntrain M {\n${lines}\n}\n`,
  );
}

function messages(lines: string): string[] {
  return section(lines).diagnostics.map((d) => `${d.code} ${d.message}`);
}

test('augment and early_stop become the trainSpec', (t) => {
  const result = section(
    '  augment = [flip, crop, crop(pad=2), translate(3), rotate(degrees=15), noise(0.05)]\n  early_stop = 3',
  );
  t.deepEqual(result.diagnostics, []);
  const spec = trainSpecOf(result.program.train[0]);
  t.deepEqual(spec.augment, [
    { kind: 'flip' },
    { kind: 'crop', pad: 4 },
    { kind: 'crop', pad: 2 },
    { kind: 'translate', max: 3 },
    { kind: 'rotate', degrees: 15 },
    { kind: 'noise', std: 0.05 },
  ]);
  t.is(spec.earlyStop, 3);
});

test('a section without them emits neither', (t) => {
  const spec = trainSpecOf(section('  epochs = 2').program.train[0]);
  t.false('augment' in spec);
  t.false('earlyStop' in spec);
});

test('wrong augmentations and patience are located errors with the value', (t) => {
  t.deepEqual(messages('  augment = [flip, mirror]'), [
    'CNN2021 `augment` must be one of `flip`, `crop`, `translate`, `rotate`, `noise`, found mirror',
  ]);
  t.deepEqual(messages('  augment = crop(pad=0)'), [
    'CNN2021 `pad` of `crop` must be an integer from 1 to 1024, found 0',
  ]);
  t.deepEqual(messages('  augment = translate(1.5)'), [
    'CNN2021 `max` of `translate` must be an integer from 1 to 1024, found 1.5',
  ]);
  t.deepEqual(messages('  augment = rotate(200)'), [
    'CNN2021 `degrees` of `rotate` must be a number in (0, 180], found 200',
  ]);
  t.deepEqual(messages('  augment = noise'), ['CNN2021 `noise` needs `std`']);
  t.deepEqual(messages('  early_stop = 0'), [
    'CNN2021 `early_stop` must be an integer of at least 1, found 0',
  ]);
  t.deepEqual(messages('  early_stopping = 2'), ['CNN2020 unknown `train` key `early_stopping`']);
});
