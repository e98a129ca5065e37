"""A small lexicon-based sentiment model: no downloads, no training.

Each known word carries a weight; an intensifier ("very") scales the next
sentiment word, a negator ("not", "never", "n't") flips the first sentiment
word within the next three words of the same clause. The polarity is tanh(sum / 3), in (-1, 1); a
polarity inside the neutral band is "neutral".
"""
import math
import re

LEXICON = {
    # positive
    "amazing": 2.0, "awesome": 2.0, "best": 1.5, "love": 2.0, "loved": 2.0, "loves": 2.0,
    "excellent": 2.0, "fantastic": 2.0, "wonderful": 2.0, "perfect": 2.0, "great": 1.5,
    "happy": 1.5, "delighted": 1.8, "good": 1.0, "nice": 1.0, "enjoy": 1.0, "enjoyed": 1.0,
    "helpful": 1.2, "pleased": 1.2, "recommend": 1.2, "fast": 0.6, "easy": 0.8, "like": 0.5,
    "thanks": 0.8, "thank": 0.8, "works": 0.6, "reliable": 1.2,
    # negative
    "terrible": -2.0, "awful": -2.0, "horrible": -2.0, "worst": -2.0, "hate": -2.0, "hated": -2.0,
    "useless": -1.8, "broken": -1.5, "disappointed": -1.5, "disappointing": -1.5, "angry": -1.5,
    "poor": -1.2, "sad": -1.2, "crash": -1.2, "crashes": -1.2, "bad": -1.0, "slow": -0.6,
    "problem": -0.8, "bug": -0.8, "buggy": -1.2, "refund": -0.8, "wrong": -1.0, "fails": -1.2,
}
NEGATORS = {"not", "no", "never", "n't", "without", "hardly", "nothing", "cannot"}
INTENSIFIERS = {"very": 1.5, "really": 1.3, "extremely": 1.8, "so": 1.2, "super": 1.5, "too": 1.2}
NEGATION_SCOPE = 3
DEFAULT_NEUTRAL_BAND = 0.2

_TOKEN = re.compile(r"n't|[a-z]+|[.,;:!?]")
_CLAUSE_END = set(".,;:!?")


def tokenize(text: str) -> list:
    """Lower-case words and punctuation, with "n't" split off ("isn't" -> "is", "n't")."""
    return _TOKEN.findall(text.lower().replace("’", "'"))


def polarity(text: str) -> float:
    """Sentiment in (-1, 1): below 0 negative, above 0 positive."""
    total = 0.0
    negated_for = 0
    boost = 1.0
    for token in tokenize(text):
        if token in _CLAUSE_END:
            negated_for = 0
            boost = 1.0
            continue
        if token in NEGATORS:
            negated_for = NEGATION_SCOPE
            continue
        if token in INTENSIFIERS:
            boost = INTENSIFIERS[token]
            continue
        weight = LEXICON.get(token)
        if weight is not None:
            total += weight * boost * (-0.8 if negated_for > 0 else 1.0)
            boost = 1.0
            negated_for = 0
        elif negated_for > 0:
            negated_for -= 1
    return math.tanh(total / 3)


def classify(text: str, neutral_band: float = DEFAULT_NEUTRAL_BAND) -> tuple:
    """(label, polarity): "positive" above the band, "negative" below minus the band, else "neutral"."""
    score = polarity(text)
    if score > neutral_band:
        return "positive", score
    if score < -neutral_band:
        return "negative", score
    return "neutral", score
