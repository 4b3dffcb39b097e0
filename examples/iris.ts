// The README's example: a 4-8-3 network on the iris flowers. Run: npx tsx examples/iris.ts
import * as path from 'node:path';

import { CrossEntropy, Network, oneHot, readCsv, Relu, Softmax, splitColumn, Standardizer } from 'blasnet';

const { data } = readCsv(path.join(__dirname, 'data', 'iris.csv')); // 150 rows: 4 measurements, then the species 0..2
const { features, labels } = splitColumn(data);
const x = Standardizer.fit(features).transform(features);

const net = new Network([4, 8, 3], [Relu, Softmax], { seed: 1 });
const history = net.fit(x, oneHot(labels), {
  loss: CrossEntropy,
  epochs: 50,
  batchSize: 10,
  learningRate: 0.1,
  log: null,
});

console.log(history.loss.at(-1)?.toFixed(4)); // cross-entropy after 50 epochs
console.log(net.evaluate(x, labels).accuracy.toFixed(4)); // training accuracy
console.log(
  net
    .predict([x.row(0)])
    .toArray()[0]
    ?.map((p) => p.toFixed(3)),
); // class probabilities of the first flower
