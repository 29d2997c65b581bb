"""Screenshots of the web app for the README (`make screenshot`): the results page, an
article page and the results on a phone, as PNGs in docs/screenshots/.

    python tests/screenshots.py                 # index corpus/, BBC and two Reuters files
    python tests/screenshots.py --index DIR     # or serve an index you have

The index is built in a temporary folder from the repository's corpus/ and, where
../shared/corpora is present, BBC and two Reuters-21578 files (dates, sources, topics).
"""

from __future__ import annotations

import argparse
import sys
import tarfile
import tempfile
from pathlib import Path

from browser import browser_missing, chromium, serving

from searcher import Index, read_corpus

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
OUT = ROOT / "docs" / "screenshots"
QUERY = "oil prices"


def build_index(work: Path) -> Path:
    """An index of corpus/ and, when present, BBC and two Reuters files."""
    sources = [ROOT / "corpus"]
    if CORPORA.exists():
        reuters = work / "reuters"
        reuters.mkdir()
        with tarfile.open(CORPORA / "reuters21578" / "reuters21578.tar.gz") as tar:
            for name in ("reut2-000.sgm", "reut2-001.sgm"):
                member = tar.extractfile(f"reuters21578/{name}")
                assert member is not None
                (reuters / name).write_bytes(member.read())
        sources += [CORPORA / "bbc", reuters]
    index = work / "index"
    Index(index).update(read_corpus(*sources), workers=2)
    return index


def shoot(index: Path) -> list[Path]:
    """The PNGs of the results page, an article page, and the results on a phone."""
    from selenium.webdriver.common.by import By

    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    with serving(index) as url:
        with chromium(1280, 1000) as driver:
            driver.get(f"{url}/search?q={QUERY.replace(' ', '+')}")
            copies = driver.find_elements(By.CSS_SELECTOR, ".hit details.copies summary")
            if copies:
                copies[0].click()
            written.append(_save(driver, "results.png"))
            driver.find_element(By.CSS_SELECTOR, ".hit h3 a").click()
            written.append(_save(driver, "article.png"))
        with chromium(390, 844) as phone:
            phone.get(f"{url}/search?q={QUERY.replace(' ', '+')}")
            written.append(_save(phone, "results-phone.png"))
    return written


def _save(driver: object, name: str) -> Path:
    path = OUT / name
    driver.save_screenshot(str(path))  # type: ignore[attr-defined]
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="Serve this index instead of building one.")
    args = parser.parse_args()
    if reason := browser_missing():
        sys.exit(f"Cannot take screenshots: {reason}")
    with tempfile.TemporaryDirectory(prefix="searcher-screens-") as work:
        index = args.index or build_index(Path(work))
        for path in shoot(index):
            print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
