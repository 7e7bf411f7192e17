"""Invariants of a SentencePiece ModelProto that sentencepiece itself does not check when it loads one.

A .model file has no checksum, so a flipped bit that keeps the protobuf parseable loads without complaint. What a
flip can break and these checks catch (each found by flipping bits of mistral-v1.model):
- a field tag or length: the field lands in the protobuf's unknown fields, or one piece swallows the next
  (fewer pieces than `trainer_spec.vocab_size`); a piece type outside the enum lands there too;
- a score: NaN or infinite;
- a BPE piece's text: it no longer splits into two pieces of the model (every BPE merge joins two pieces);
- the special pieces: an UNKNOWN piece missing or doubled, a special id beyond the vocabulary, a byte piece whose
  name is not <0xNN>, a normalizer that does not exist.
(sentencepiece itself refuses missing byte pieces under byte fallback and duplicate pieces; those stay its job.)

Deliberately not caught (no format can tell them from a real model): a flip in a Unigram piece's text that
makes another valid string, a finite score changed to another finite score, a changed flag such as
`add_dummy_prefix`.
"""

from __future__ import annotations

import math
import re
from typing import Any

from tokensmith.errors import TokenizerFileError

NORMAL, UNKNOWN, BYTE = 1, 2, 6  # sentencepiece_model.proto: ModelProto.SentencePiece.Type
BPE = 2  # TrainerSpec.ModelType
NORMALIZERS = frozenset({"", "identity", "nfkc", "nfkc_cf", "nmt_nfkc", "nmt_nfkc_cf", "user_defined"})
_BYTE_PIECE = re.compile(r"<0x[0-9A-F]{2}>")


def _problem(where: str, what: str) -> TokenizerFileError:
    return TokenizerFileError(
        f"'{where}' is not a consistent SentencePiece model: {what}. The file is damaged (a .model has no checksum): "
        "re-download it, or retrain/re-export it."
    )


def _unknown_fields(proto: Any) -> str | None:
    """The first message that holds fields this protobuf schema does not define, or None."""
    from google.protobuf import unknown_fields

    messages = [("the model", proto), ("trainer_spec", proto.trainer_spec), ("normalizer_spec", proto.normalizer_spec),
                ("denormalizer_spec", proto.denormalizer_spec)]  # fmt: skip
    messages += [(f"piece {i}", p) for i, p in enumerate(proto.pieces)]
    return next((name for name, m in messages if len(unknown_fields.UnknownFieldSet(m))), None)


def _check_pieces(proto: Any, where: str) -> None:
    pieces = proto.pieces
    if not pieces:
        raise _problem(where, "it has no pieces")
    expected = proto.trainer_spec.vocab_size
    if expected > len(pieces):  # fewer pieces than trained: one swallowed the next (more is fine: pieces added later)
        raise _problem(where, f"it has {len(pieces)} pieces but was trained with vocab_size {expected}")
    bad_score = next((i for i, p in enumerate(pieces) if not math.isfinite(p.score)), None)
    if bad_score is not None:
        raise _problem(where, f"piece {bad_score} ({pieces[bad_score].piece!r}) has score {pieces[bad_score].score}")
    unknown = [i for i, p in enumerate(pieces) if p.type == UNKNOWN]
    if len(unknown) != 1:
        raise _problem(where, f"it has {len(unknown)} unknown pieces, exactly one is required")
    misnamed = next((i for i, p in enumerate(pieces) if p.type == BYTE and not _BYTE_PIECE.fullmatch(p.piece)), None)
    if misnamed is not None:
        raise _problem(where, f"byte piece {misnamed} is named {pieces[misnamed].piece!r}, not <0xNN>")


def _check_bpe_merges(proto: Any, where: str) -> None:
    """Every multi-character BPE piece is the merge of two pieces of the model."""
    known = {p.piece for p in proto.pieces}
    for i, p in enumerate(proto.pieces):
        text = p.piece
        if p.type == NORMAL and len(text) > 1 and not any(
            text[:k] in known and text[k:] in known for k in range(1, len(text))
        ):
            raise _problem(where, f"BPE piece {i} ({text!r}) is not the merge of two pieces of the model")


def check_model_proto(proto: Any, *, where: str) -> None:
    """Refuse a parsed ModelProto that breaks an invariant every SentencePiece model keeps (see module docstring).

    Args:
        proto: a `sentencepiece_model_pb2.ModelProto`.
        where: the file's name, for the message.

    Raises:
        TokenizerFileError: naming the broken invariant.

    Example:
        >>> import tokensmith
        >>> from tokensmith.backends.sentencepiece import load_model_proto
        >>> proto = load_model_proto(tokensmith.load("mistral-v1").native_bytes())
        >>> check_model_proto(proto, where="mistral-v1.model")  # a sound model: nothing happens
        >>> proto.pieces[500].score = float("nan")
        >>> check_model_proto(proto, where="mistral-v1.model")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tokensmith.errors.TokenizerFileError: 'mistral-v1.model' is not a consistent SentencePiece model: piece 500 ('▁U') has score nan...
    """
    holder = _unknown_fields(proto)
    if holder is not None:
        raise _problem(where, f"{holder} holds fields the SentencePiece schema does not define (a damaged field, or "
                              "a file from a newer sentencepiece: upgrade it if so)")  # fmt: skip
    _check_pieces(proto, where)
    spec = proto.trainer_spec
    for name in ("unk_id", "bos_id", "eos_id", "pad_id"):
        value = getattr(spec, name)
        if value >= len(proto.pieces):
            raise _problem(where, f"trainer_spec.{name} is {value}, beyond its {len(proto.pieces)} pieces")
    if proto.normalizer_spec.name not in NORMALIZERS:
        raise _problem(where, f"normalizer {proto.normalizer_spec.name!r} does not exist ({sorted(NORMALIZERS)})")
    if spec.model_type == BPE:
        _check_bpe_merges(proto, where)
