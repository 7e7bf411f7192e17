"""Decode: model loading, exact byte-level probabilities and train-free speculative decoding."""
