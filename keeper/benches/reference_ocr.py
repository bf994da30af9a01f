"""RapidOCR, from the same pinned wheel as the keeper's models, timed on the photos named on the
command line: the side-by-side baseline of `cargo bench -p covenant-keeper --bench ocr_speed`.
Prints one JSON object: the best time per photo over the rounds, and what each photo read."""
import json
import sys
import time

import cv2
from rapidocr_onnxruntime import RapidOCR

rounds, paths = int(sys.argv[1]), sys.argv[2:]
engine = RapidOCR()
images = [cv2.imread(path) for path in paths]
texts = []
for image in images:  # warm-up, and what each photo reads
    result, _ = engine(image)
    texts.append([line[1] for line in result or []])
best = []
for image in images:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        engine(image)
        times.append(time.perf_counter() - started)
    best.append(min(times))
json.dump({"seconds": best, "texts": texts}, sys.stdout)
