/**
 * The main job: the numpy reference program's validation (README, "What differs from the seed"), done
 * with correct gradients. Trains a 64-15-10 network (ReLU hidden layer) on the 8x8 digits set, holds out
 * a stratified 20% for testing, and prints the loss every 10 epochs, scikit-learn-style classification
 * reports for both parts, and the fit time.
 *
 *   npm run demo                      # native backend (OpenBLAS)
 *   npm run demo -- --backend js      # the pure-TypeScript backend
 *
 * Differences from that program, and why (also in the README): the output is softmax with cross-entropy
 * instead of sigmoid with squared error, because with correct gradients its settings learn slowly
 * (its accuracy relied on a wrong derivative); inputs are standardised with statistics of the training
 * part; gradients are averaged over the batch (PyTorch's convention), so the learning rate is 0.1; and a
 * small L2 weight decay (5e-3) keeps this 15-unit network from overfitting 1438 training images: over seeds 1 to 10
 * every run then reaches at least 0.972 held-out (0.974 on average), where without it the mean is 0.970.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import {
  argmaxRows,
  accuracy,
  blasInfo,
  classificationReport,
  CrossEntropy,
  Network,
  SGD,
  oneHot,
  readCsv,
  Relu,
  Softmax,
  splitColumn,
  Standardizer,
  takeLabels,
  takeRows,
  trainTestSplit,
} from 'blasnet';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'native' } } });
const backend = values.backend === 'js' ? 'js' : 'native';

// 1797 rows: 64 pixel values (0..16), then the digit (UCI, via scikit-learn; see examples/data/NOTICE).
const { data } = readCsv(path.join(__dirname, 'data', 'digits.csv.gz'));
const { features, labels } = splitColumn(data);
const split = trainTestSplit(features.rows, { testFraction: 0.2, seed: 1, stratify: labels });
const scaler = Standardizer.fit(takeRows(features, split.train));
const xTrain = scaler.transform(takeRows(features, split.train));
const xTest = scaler.transform(takeRows(features, split.test));
const labelsTrain = takeLabels(labels, split.train);
const labelsTest = takeLabels(labels, split.test);

const optimizer = new SGD({ learningRate: 0.1, weightDecay: 5e-3 });
const settings = { loss: CrossEntropy, epochs: 100, batchSize: 15, optimizer, logEvery: 10 };
const net = new Network([64, 15, 10], [Relu, Softmax], { seed: 1, backend });

console.log(`digits: ${features.rows} images of 8x8 pixels, ${xTrain.rows} for training, ${xTest.rows} held out`);
const blas = backend === 'native' ? blasInfo() : undefined;
console.log(
  `network 64-15-10 (relu, softmax), cross-entropy, SGD lr ${optimizer.learningRate} weight decay ${optimizer.weightDecay}, batch ${settings.batchSize}, ` +
    `${settings.epochs} epochs, seed 1, backend ${backend}` +
    (blas
      ? ` (OpenBLAS ${blas.version}, core ${blas.core}, ${blas.threads} thread${blas.threads > 1 ? 's' : ''})`
      : ''),
);

const start = process.hrtime.bigint();
net.fit(xTrain, oneHot(labelsTrain, 10), settings);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`fit time: ${seconds.toFixed(3)} s`);

const predictedTest = argmaxRows(net.predict(xTest));
const predictedTrain = argmaxRows(net.predict(xTrain));
console.log(`\nclassification report, held-out part (${xTest.rows} rows):\n`);
console.log(classificationReport(labelsTest, predictedTest, { digits: 4 }));
console.log(`classification report, training part (${xTrain.rows} rows):\n`);
console.log(classificationReport(labelsTrain, predictedTrain, { digits: 4 }));
console.log(`held-out accuracy: ${accuracy(labelsTest, predictedTest).toFixed(4)}`);
console.log(`train accuracy: ${accuracy(labelsTrain, predictedTrain).toFixed(4)}`);
