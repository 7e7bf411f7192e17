"""The 'wordpiece' learner: BERT-style WordPiece (Devlin et al., 2019, Section 3; Wu et al., 2016), via `tokenizers`.

The pipeline is BERT's: BertNormalizer (control characters removed, CJK characters split apart; case and accents
kept unless the normalization asks for lowercasing), the Bert pre-tokenizer (whitespace and punctuation), '##'
continuation pieces, and a [CLS] ... [SEP] template when those tokens exist. WordPiece drops whitespace, so it is
never lossless; tokensmith defines its token bytes on normalized text (see the hf backend). It has no byte
fallback (unknown words become [UNK]), so `byte_fallback` is ignored, and only the 'hf' engine exists.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from tokensmith.learn.hf_engine import check_extra, check_vocab, hf_normalizer, run_trainer, wrap
from tokensmith.learn.registry import TrainConfig, check_engine, register_learner, reject_epochs
from tokensmith.learn.stream import TrainingStream

if TYPE_CHECKING:
    from tokenizers import Tokenizer as HFTokenizer

    from tokensmith.tokenizer import Tokenizer

UNK = "[UNK]"
DEFAULT_SPECIALS = ("[PAD]", UNK, "[CLS]", "[SEP]", "[MASK]")


def _pipeline(config: TrainConfig) -> HFTokenizer:
    from tokenizers import Tokenizer as HFTokenizer
    from tokenizers import decoders, models, normalizers, pre_tokenizers

    tok = HFTokenizer(models.WordPiece(unk_token=UNK))
    bert = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    extra = hf_normalizer(config.normalization)
    tok.normalizer = bert if extra is None else normalizers.Sequence([bert, extra])
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece(prefix="##")
    return tok


def canonical_ids(tok: HFTokenizer, *, n_specials: int) -> HFTokenizer:
    """A copy with reproducible ids: the trainer numbers its vocabulary partly in hash order (the alphabet, and
    merges learned with equal counts), so two runs give the same pieces under different ids.

    Specials keep ids 0..n_specials-1, then come the alphabet entries ('a', '##a'), then the longer pieces, each
    group sorted by text. Ids carry no meaning for WordPiece (encoding is greedy longest match), so this loses
    nothing.

    Args:
        tok: a `tokenizers.Tokenizer` trained with the WordPiece trainer, specials first.
        n_specials: how many special tokens lead the vocabulary.

    Example:
        >>> from tokenizers import Tokenizer as HF, models, pre_tokenizers, trainers
        >>> tok = HF(models.WordPiece(unk_token="[UNK]"))
        >>> tok.pre_tokenizer = pre_tokenizers.Whitespace()
        >>> trainer = trainers.WordPieceTrainer(vocab_size=20, special_tokens=["[UNK]"], show_progress=False)
        >>> tok.train_from_iterator(["abab abc", "cab"], trainer=trainer)
        >>> vocab = canonical_ids(tok, n_specials=1).get_vocab()
        >>> sorted(vocab, key=vocab.get)[:6]
        ['[UNK]', '##a', '##b', '##c', 'a', 'b']
    """
    from tokenizers import Tokenizer as HFTokenizer

    config: dict[str, Any] = json.loads(tok.to_str())
    vocab: dict[str, int] = config["model"]["vocab"]
    ordered = sorted(vocab, key=vocab.__getitem__)
    specials, rest = ordered[:n_specials], ordered[n_specials:]
    alphabet = sorted(t for t in rest if len(t.removeprefix("##")) == 1)
    merged = sorted(t for t in rest if len(t.removeprefix("##")) != 1)
    config["model"]["vocab"] = {t: i for i, t in enumerate(specials + alphabet + merged)}
    return HFTokenizer.from_str(json.dumps(config, ensure_ascii=False))


def _add_template(tok: HFTokenizer) -> None:
    """BERT's [CLS] $A [SEP] framing, used by encode(add_special_tokens=True), when both tokens exist."""
    from tokenizers import processors

    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    if cls is None or sep is None:
        return
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )


def train_wordpiece(lines: Iterable[str], config: TrainConfig) -> Tokenizer:
    """Train a BERT-style WordPiece tokenizer on `lines` (engine 'hf' only).

    Args:
        lines: the corpus, one text per item (streamed once).
        config: vocab size, normalization, special tokens ([UNK] is always added).

    Example:
        >>> tok = train_wordpiece(["low lower lowest"] * 10, TrainConfig(vocab_size=60, progress=False))
        >>> tok.decode(tok.encode("lowest"))
        'lowest'
    """
    from tokenizers import trainers

    check_engine("wordpiece", config, ("hf",))
    reject_epochs("wordpiece", config)
    check_extra("wordpiece", config, ())
    specials = list(config.special_tokens or DEFAULT_SPECIALS)
    specials = specials if UNK in specials else [UNK, *specials]
    stream = TrainingStream(lines, config)
    tok = _pipeline(config)
    trainer = trainers.WordPieceTrainer(
        vocab_size=config.vocab_size, special_tokens=specials, continuing_subword_prefix="##", show_progress=False
    )
    run_trainer(tok, trainer, stream, algo="wordpiece", config=config)
    tok = canonical_ids(tok, n_specials=len(specials))
    check_vocab(tok, algo="wordpiece", config=config, why="every character, alone and as a '##' continuation")
    _add_template(tok)
    return wrap(tok, algo="wordpiece")


register_learner("wordpiece", train_wordpiece)
