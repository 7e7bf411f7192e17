"""The playground in a real browser: headless Chromium driven by selenium types text, selects three tokenizers and
reads the chips and counts, which must be exactly what `Tokenizer.encode` gives. Writes a 1366×768 screenshot to
the test's tmp dir, and to docs/img/playground.png when TOKENSMITH_PLAYGROUND_SCREENSHOT=1."""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import threading
import time
from pathlib import Path

import pytest

import tokensmith

pytestmark = pytest.mark.browser
TEXT = "Hello world! Grüße aus 東京.\nthe cat sat"
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img" / "playground.png"


def _browser_paths() -> tuple[str, str]:
    pytest.importorskip("selenium", reason="the browser test needs selenium (the [serve] extra: make setup)")
    pytest.importorskip("uvicorn", reason="the browser test needs uvicorn (the [serve] extra: make setup)")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.skip("no chromium + chromedriver here, and `make setup` could not install them (apt-get install "
                    "chromium chromium-driver)")
    return chromium, driver


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(trained_file):
    import uvicorn

    from tokensmith.serve.app import create_app
    from tokensmith.serve.registry import Registry

    registry = Registry.load(["gpt2", "llama2", str(trained_file), "mistral-v1"], zoo=False)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(registry), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/", registry
    srv.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def browser():
    chromium, driver_path = _browser_paths()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1366,768",
                "--hide-scrollbars"):
        options.add_argument(arg)
    drv = webdriver.Chrome(service=Service(driver_path), options=options)
    # the window's chrome takes part of --window-size: fix the page's viewport itself at 1366×768
    drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                        {"width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": False})
    yield drv
    drv.quit()


def _expected_shared(toks, text: str) -> set[int]:
    size = len(text.encode("utf-8"))
    cuts = [{p for s, e in t.encode_with_offsets(text).offsets for p in (s, e) if 0 < p < size} for t in toks]
    return set.intersection(*cuts)


def _png_size(path: Path) -> tuple[int, int]:
    return struct.unpack(">II", path.read_bytes()[16:24])


def test_chips_and_counts_in_a_real_browser_match_encode(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, registry = server
    names = ["gpt2", "llama2", registry.names()[2]]  # the trained file's name
    browser.get(url)
    wait = WebDriverWait(browser, 15)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#tokenizers input")) == 4)
    for box in browser.find_elements(By.CSS_SELECTOR, "#tokenizers input"):
        if box.is_selected() != (box.get_attribute("value") in names):
            box.click()
    browser.find_element(By.ID, "text").send_keys(TEXT)
    want = json.dumps({"names": names, "chars": len(TEXT)}, separators=(",", ":"))
    wait.until(lambda d: d.find_element(By.ID, "results").get_attribute("data-rendered") == want)

    toks = [registry.get(n) for n in names]
    shared = _expected_shared(toks, TEXT)
    for name, tok in zip(names, toks, strict=True):
        row = browser.find_element(By.CSS_SELECTOR, f'.tokrow[data-tokenizer="{name}"]')
        chips = row.find_elements(By.CSS_SELECTOR, ".chip")
        ids = tok.encode(TEXT)
        assert [int(c.get_attribute("data-id")) for c in chips] == ids
        assert int(row.find_element(By.CSS_SELECTOR, ".counts").get_attribute("data-tokens")) == len(ids)
        assert f"{len(ids)} tokens" in row.find_element(By.CSS_SELECTOR, ".counts").text
        marked = {int(c.get_attribute("data-start")) for c in row.find_elements(By.CSS_SELECTOR, ".chip.shared")}
        assert marked == shared and shared  # "Hello" | " world" is cut by all three
    gpt2_row = browser.find_element(By.CSS_SELECTOR, '.tokrow[data-tokenizer="gpt2"]')
    assert gpt2_row.find_elements(By.CSS_SELECTOR, ".chip .esc")  # gpt2 splits 東 and 京 into bytes

    browser.find_element(By.ID, "whitespace").click()
    llama2_text = 'return document.querySelector(\'.tokrow[data-tokenizer="llama2"] .chips\').textContent'
    wait.until(lambda d: "·world" in d.execute_script(llama2_text))  # the row is re-rendered: read it by script

    shot = tmp_path / "playground.png"
    browser.save_screenshot(str(shot))
    assert _png_size(shot) == (1366, 768)
    if os.environ.get("TOKENSMITH_PLAYGROUND_SCREENSHOT") == "1":
        DOCS_IMG.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, DOCS_IMG)


def test_the_metrics_and_results_tabs_work_in_a_real_browser(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tokensmith.measure.results import Results, Row

    url, _ = server
    browser.get(url)
    wait = WebDriverWait(browser, 20)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#metrics-tokenizer option"))
    browser.find_element(By.ID, "tab-metrics").click()
    browser.find_element(By.ID, "metrics-text").send_keys("the cat sat on the mat")  # 22 bytes, 6 gpt2 tokens
    browser.find_element(By.ID, "metrics-run").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#metrics-table tr")) > 5)
    cells = {tr.find_elements(By.TAG_NAME, "td")[0].text: tr.find_elements(By.TAG_NAME, "td")[2].text
             for tr in browser.find_elements(By.CSS_SELECTOR, "#metrics-table tr")[1:]}  # fmt: skip
    assert cells["bytes_per_token"] == "3.667" and cells["fertility"] == "1.000"

    doc = Results(tokenizers={"t": {"vocab_size": 9}}, langs={}, rows=(Row("t", "c", "*", "bytes_per_token", None,
                                                                           4.2),)).to_dict()  # fmt: skip
    browser.find_element(By.ID, "tab-report").click()
    browser.execute_script("document.getElementById('report-text').value = arguments[0]", json.dumps(doc))
    browser.find_element(By.ID, "report-run").click()
    wait.until(lambda d: "tokensmith report" in (d.find_element(By.ID, "report-frame").get_attribute("srcdoc") or ""))
