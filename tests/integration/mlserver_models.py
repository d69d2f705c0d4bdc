"""Trains two small iris classifiers with scikit-learn and lays them out as
MLServer models: iris v1 (logistic regression) and iris v2 (a decision
tree), each a joblib file beside its model-settings.json.

usage: mlserver_models.py MODELS_DIR"""
import json
import os
import sys

import joblib
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier


def save(models_dir, version, model):
    folder = os.path.join(models_dir, "iris-" + version)
    os.makedirs(folder, exist_ok=True)
    joblib.dump(model, os.path.join(folder, "model.joblib"))
    settings = {"name": "iris", "implementation": "mlserver_sklearn.SKLearnModel",
                "parameters": {"uri": "./model.joblib", "version": version}}
    with open(os.path.join(folder, "model-settings.json"), "w") as f:
        json.dump(settings, f)


def main():
    x, y = load_iris(return_X_y=True)
    save(sys.argv[1], "v1", LogisticRegression(max_iter=1000).fit(x, y))
    save(sys.argv[1], "v2", DecisionTreeClassifier(max_depth=3, random_state=0).fit(x, y))


main()
