#!/usr/bin/python3
"""The scikit-learn side of bench/tables.ts: the same training and test rows (JSON files it wrote), the
same column kinds blasnet chose (numeric / categorical / date parts / dropped), and the pipeline a
scikit-learn user writes: SimpleImputer + StandardScaler for numbers, SimpleImputer('missing') +
OneHotEncoder(handle_unknown='ignore') for categories, then MLPClassifier / MLPRegressor with its
defaults (random_state: the run's seed). Prints one JSON object with the held-out scores."""
import json
import sys

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, r2_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

job = json.load(open(sys.argv[1]))
train = pd.DataFrame(job["train"])
test = pd.DataFrame(job["test"])
missing = job["missing"]


def prepare(frame):
    out = pd.DataFrame(index=frame.index)
    for column in job["numeric"]:
        out[column] = pd.to_numeric(frame[column].replace(missing, np.nan), errors="coerce")
    for column in job["categorical"]:
        values = frame[column].map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and v.strip() in missing) else str(v).lower() if isinstance(v, bool) else str(v))
        out[column] = values.astype(object)
    for column, parts in job["dates"].items():
        times = pd.to_datetime(frame[column].replace(missing, np.nan), errors="coerce", utc=True)
        for part in parts:
            out[f"{column}.{part}"] = {"year": times.dt.year, "month": times.dt.month, "day": times.dt.day,
                                       "weekday": (times.dt.weekday + 1) % 7, "hour": times.dt.hour}[part]
    return out


numeric = job["numeric"] + [f"{c}.{p}" for c, parts in job["dates"].items() for p in parts]
pre = ColumnTransformer([
    ("num", Pipeline([("impute", SimpleImputer(strategy="median", add_indicator=True)), ("scale", StandardScaler())]), numeric),
    ("cat", Pipeline([("impute", SimpleImputer(strategy="constant", fill_value="missing")),
                      ("onehot", OneHotEncoder(handle_unknown="ignore"))]), job["categorical"]),
])
keep_train = train[job["target"]].notna() & ~train[job["target"]].isin(missing)
keep_test = test[job["target"]].notna() & ~test[job["target"]].isin(missing)
x_train, x_test = prepare(train[keep_train]), prepare(test[keep_test])
if job["task"] == "classification":
    y_train = train[keep_train][job["target"]].astype(str)
    y_test = test[keep_test][job["target"]].astype(str)
    model = Pipeline([("pre", pre), ("mlp", MLPClassifier(random_state=job["seed"], max_iter=200))])
    model.fit(x_train, y_train)
    p = model.predict(x_test)
    result = {"accuracy": accuracy_score(y_test, p), "balancedAccuracy": balanced_accuracy_score(y_test, p), "macroF1": f1_score(y_test, p, average="macro")}
else:
    y_train = train[keep_train][job["target"]].astype(float)
    y_test = test[keep_test][job["target"]].astype(float)
    mean, scale = y_train.mean(), y_train.std(ddof=0)
    model = Pipeline([("pre", pre), ("mlp", MLPRegressor(random_state=job["seed"], max_iter=200))])
    # The target standardised as blasnet standardises it (MLPRegressor does not), predictions mapped back.
    model.fit(x_train, (y_train - mean) / scale)
    result = {"r2": r2_score(y_test, model.predict(x_test) * scale + mean)}
print(json.dumps(result))
