import { accuracy, argmaxRows, classificationMetrics, classificationReport, confusionMatrix, Matrix } from '../lib';

// Ten rows, four classes.
const yTrue = [0, 0, 0, 1, 1, 2, 2, 2, 2, 3];
const yPred = [0, 1, 0, 1, 1, 2, 0, 2, 3, 3];

describe('classification metrics', () => {
  it('match precision, recall and F1 computed by hand', () => {
    // class 0: 2 right of 3 predicted, 2 of 3 found; class 1: 2 of 3, 2 of 2; class 2: 2 of 2, 2 of 4;
    // class 3: 1 of 2, 1 of 1. F1 = 2pr / (p + r): 2/3, 0.8, 2/3, 2/3.
    const m = classificationMetrics(yTrue, yPred);
    expect(m.labels).toEqual([0, 1, 2, 3]);
    expect(m.precision).toEqual([2 / 3, 2 / 3, 1, 0.5]);
    expect(m.recall).toEqual([2 / 3, 1, 0.5, 1]);
    m.f1.forEach((f, i) => expect(f).toBeCloseTo([2 / 3, 0.8, 2 / 3, 2 / 3][i]!, 15));
    expect(m.support).toEqual([3, 2, 4, 1]);
    expect(m.accuracy).toBe(0.7);
    expect(m.macro.precision).toBeCloseTo((2 / 3 + 2 / 3 + 1 + 0.5) / 4, 15);
    expect(m.weighted.recall).toBeCloseTo((3 * (2 / 3) + 2 * 1 + 4 * 0.5 + 1 * 1) / 10, 15);
  });

  it("print scikit-learn's classification_report, character for character", () => {
    // Printed by sklearn 1.2.1: classification_report(yTrue, yPred)
    expect(classificationReport(yTrue, yPred)).toBe(
      '              precision    recall  f1-score   support\n\n           0       0.67      0.67      0.67         3\n           1       0.67      1.00      0.80         2\n           2       1.00      0.50      0.67         4\n           3       0.50      1.00      0.67         1\n\n    accuracy                           0.70        10\n   macro avg       0.71      0.79      0.70        10\nweighted avg       0.78      0.70      0.69        10\n',
    );
    // classification_report(yTrue, yPred, digits=4, target_names=['zero', 'one', 'two', 'three'])
    expect(classificationReport(yTrue, yPred, { digits: 4, targetNames: ['zero', 'one', 'two', 'three'] })).toBe(
      '              precision    recall  f1-score   support\n\n        zero     0.6667    0.6667    0.6667         3\n         one     0.6667    1.0000    0.8000         2\n         two     1.0000    0.5000    0.6667         4\n       three     0.5000    1.0000    0.6667         1\n\n    accuracy                         0.7000        10\n   macro avg     0.7083    0.7917    0.7000        10\nweighted avg     0.7833    0.7000    0.6933        10\n',
    );
    // A class that is predicted but never true gets 0, as sklearn's zero_division default.
    expect(classificationReport([0, 0, 1], [0, 2, 1])).toBe(
      '              precision    recall  f1-score   support\n\n           0       1.00      0.50      0.67         2\n           1       1.00      1.00      1.00         1\n           2       0.00      0.00      0.00         0\n\n    accuracy                           0.67         3\n   macro avg       0.67      0.50      0.56         3\nweighted avg       1.00      0.67      0.78         3\n',
    );
  });

  it('count a confusion matrix and accuracy', () => {
    expect(confusionMatrix(yTrue, yPred)).toEqual([
      [2, 1, 0, 0],
      [0, 2, 0, 0],
      [1, 0, 2, 1],
      [0, 0, 0, 1],
    ]);
    expect(accuracy(yTrue, yPred)).toBe(0.7);
    expect(() => accuracy([0, 1], [0])).toThrow(/same length/);
    expect(() => accuracy([0, -1], [0, 1])).toThrow(/yTrue\[1\]/);
  });

  it('take the largest output per row, or threshold a single output at 0.5', () => {
    expect(
      Array.from(
        argmaxRows(
          Matrix.from([
            [0.1, 0.7, 0.2],
            [0.5, 0.5, 0],
            [0, 0, 1],
          ]),
        ),
      ),
    ).toEqual([1, 0, 2]);
    expect(Array.from(argmaxRows(Matrix.from([[0.49], [0.5], [0.9]])))).toEqual([0, 1, 1]);
  });
});
