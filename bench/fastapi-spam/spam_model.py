"""The FastAPI peer's model, trained when the peer starts: scikit-learn's
HashingVectorizer (binary unigrams and bigrams in 2**18 buckets, the same
shape as the mlaas spam filter's features) and LogisticRegression with its
defaults, on the train split that bench/spam-vs-fastapi.ts writes (the same
messages mlaas's shipped model was trained on), scored on the held-out split.
"""
import json
import os
import time

from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression

THRESHOLD = 0.5


def _read(corpus_dir, files):
    texts = []
    for name in files:
        # latin-1, as corpus.ts reads them: no message fails on a stray byte.
        with open(os.path.join(corpus_dir, name), encoding="latin-1") as f:
            texts.append(f.read())
    return texts


def train(split_file):
    """Answers (vectorizer, model, metrics) for the split described in `split_file`."""
    began = time.perf_counter()
    with open(split_file, encoding="utf-8") as f:
        split = json.load(f)
    train_texts = _read(split["corpusDir"], split["train"])
    test_texts = _read(split["corpusDir"], split["test"])
    train_labels = [name.startswith("spam-") for name in split["train"]]
    test_labels = [name.startswith("spam-") for name in split["test"]]
    vectorizer = HashingVectorizer(
        n_features=2**18, ngram_range=(1, 2), alternate_sign=False, binary=True, norm=None
    )
    model = LogisticRegression(max_iter=2000)
    model.fit(vectorizer.transform(train_texts), train_labels)
    metrics = {
        "accuracy": float(model.score(vectorizer.transform(test_texts), test_labels)),
        "examples": len(test_texts),
        "trainExamples": len(train_texts),
        "trainingSeconds": round(time.perf_counter() - began, 2),
    }
    return vectorizer, model, metrics
