"""Screenshots of the shipped notebooks' HTML reports at 1280 px, in English and Chinese, on
datasets/demo-small.sqlite: docs/screenshots/NOTEBOOK.LANG.png (the whole page, cropped to its
content, 32 colours to keep the files small). Run: make screenshots (needs chromium and Pillow).
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/campaignlab")
OUT = os.path.join(ROOT, "docs/screenshots")

with tempfile.TemporaryDirectory() as work:
    for notebook in ["data-overview", "post-campaign-review", "ab-readout"]:
        for lang in ["en", "zh"]:
            subprocess.run(
                [BINARY, "render", f"{ROOT}/notebooks-md/{notebook}.md", "--db", f"{ROOT}/datasets/demo-small.sqlite",
                 "--out", work, "--lang", lang, "--format", "html", "--quiet"], check=True, stdout=subprocess.DEVNULL)
            shot = os.path.join(work, f"{notebook}.{lang}.png")
            subprocess.run(
                ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,24000",
                 f"--screenshot={shot}", os.path.join(work, f"{notebook}.{lang}.html")],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            image = Image.open(shot).convert("RGB")
            pixels = np.asarray(image)
            rows = np.where((pixels < 250).any(axis=(1, 2)))[0]
            image = image.crop((0, 0, image.width, int(rows.max()) + 24))
            target = os.path.join(OUT, f"{notebook}.{lang}.png")
            image.convert("P", palette=Image.ADAPTIVE, colors=32).save(target, optimize=True)
            print(target, f"{image.width}x{image.height}")
