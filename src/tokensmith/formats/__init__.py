"""Formats: saving, lossless conversion between tokenizer.json / .tiktoken / SentencePiece, and GGUF vocabularies."""
