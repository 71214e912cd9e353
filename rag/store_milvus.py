"""The knowledge base in Milvus: dense vectors and jieba BM25 in one collection.

One row per chunk: its id (primary key), the chunk's text and metadata as scalar fields
(source, offsets, article, section, places and years as arrays, date, publisher, url, a list item's lead),
its e5 vector, and the text BM25 reads, which Milvus cuts with its jieba analyzer into a
sparse vector itself (a BM25 function). A search is one `hybrid_search`: a dense request
and a BM25 request, each filtered by the question's place and year as a filter expression
(applied inside the search, over the chunk's places and years kept as |-delimited strings
beside the arrays: see _create), fused by RRFRanker.

The same code runs on Milvus Lite (a `.db` path: embedded in this process) and on a Milvus
server (`http://host:19530`). Ingest is incremental in what it embeds: only text the current
collection does not hold; the others' vectors are copied into a new collection, which an alias
then points at (the swap is atomic; the old collection is dropped). The manifest, in a second
collection, is written last.

Same answers as the FAISS store (evals within 0.01, README): the BM25 text is lower-cased
before Milvus cuts it and Milvus's stop filter drops the same question words and punctuation
as rag/tokens.py; in this process (Milvus Lite) and in `python -m rag.milvus_server` jieba
holds the project's domain words, so both stores cut text alike. Fused candidates are
ordered by score, then by chunk position, as the FAISS retriever orders them.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, cast

import numpy as np

from rag.chunker import ChunkerConfig
from rag.embedders import NamedEmbeddings
from rag.errors import (
    BackendUnavailableError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    SettingsError,
    StoreUnavailableError,
)
from rag.settings import Settings
from rag.store import FORMAT_VERSION, DenseInfo, Manifest, corpus_fingerprint, dense_spec
from rag.stores import SearchPlan
from rag.tokens import STOPWORDS, TOKENIZER_NAME, ensure_initialised
from rag.types import Allowed, Chunk, Hit

try:
    from pymilvus import AnnSearchRequest, DataType, Function, FunctionType, MilvusClient, MilvusException, RRFRanker
except ImportError as exc:  # an install extra: say how to get it
    raise BackendUnavailableError(
        'The Milvus store needs pymilvus and milvus-lite: pip install ".[milvus]" (./run.sh installs them).'
    ) from exc

# The iterator warns on every read that Milvus Lite has no MVCC timestamp; it reads correctly.
logging.getLogger("pymilvus").setLevel(logging.ERROR)

TEXT_FIELDS = ("text", "source", "article", "section", "date", "publisher", "url", "lead")
SCALARS = ("id", *TEXT_FIELDS, "start", "end", "places", "years")  # what a Chunk is rebuilt from
MAX_TEXT = 65_535  # Milvus's longest VARCHAR
MAX_LIST = 256  # places or years on one chunk
BATCH = 512  # rows per insert or read
# The collection's layout (fields, analyzer); a collection of another layout is rebuilt.
# 2: places and years also as |-delimited strings for the filters; 3: a new collection per update, behind an alias
SCHEMA_VERSION = 3


@cache
def stop_words() -> tuple[str, ...]:
    """What rag/tokens.py keeps out of BM25, for Milvus's stop filter: the question words, and every
    punctuation or symbol token jieba can emit (single characters, and runs of the few symbols jieba
    keeps together with figures: % after 3.5, or --)."""
    symbols = [
        c for c in map(chr, range(0x21, 0x10000)) if unicodedata.category(c)[0] in "PS" and not re.match(r"\w", c)
    ]
    runs = [a + b for a in "+#&.%-" for b in "+#&.%-"]
    runs += [r + c for r in runs for c in "+#&.%-"]
    return tuple(sorted({*STOPWORDS, *symbols, *runs}))


def analyzer_params() -> dict[str, Any]:
    return {"tokenizer": {"type": "jieba", "mode": "search"}, "filter": [{"type": "stop", "stop_words": stop_words()}]}


def collection_name(settings: Settings) -> str:
    """MINSHENG_MILVUS_COLLECTION, else one per index folder name (each corpus its own collection)."""
    name = settings.milvus_collection or f"minsheng_{settings.index_dir.name}"
    return re.sub(r"\W", "_", name, flags=re.ASCII)


_clients: dict[str, MilvusClient] = {}
_clients_lock = threading.Lock()


def client_for(uri: str) -> MilvusClient:
    """One client per URI in this process (Milvus Lite serves one data folder per process)."""
    if not re.match(r"^(https?|tcp|unix)://", uri) and not uri.endswith(".db"):
        raise SettingsError(
            f"MINSHENG_MILVUS_URI={uri!r} is neither a Milvus server address (http://host:19530) nor a "
            "Milvus Lite file path ending in .db (e.g. data/milvus.db)."
        )
    with _clients_lock:
        if uri not in _clients:
            ensure_initialised()  # Milvus Lite cuts text with this process's jieba: the domain words first
            if uri.endswith(".db"):
                Path(uri).parent.mkdir(parents=True, exist_ok=True)
            try:
                _clients[uri] = MilvusClient(uri=uri)
            except Exception as exc:  # pymilvus raises its own types, or a ConnectionError
                raise SettingsError(f"Cannot reach Milvus at {uri} ({type(exc).__name__}: {exc}).") from exc
        return _clients[uri]


@contextmanager
def milvus_errors(where: str) -> Iterator[None]:
    """Milvus's own exceptions as one plain message naming the server and collection."""
    try:
        yield
    except MilvusException as exc:
        raise StoreUnavailableError(f"Milvus at {where} failed: {exc.message} (code {exc.code}).") from exc


_VERSION_MARK = "__v"  # minsheng_default__v20261130070000_1234: one collection per update, behind the alias


def _target(client: MilvusClient, alias: str) -> str | None:
    """The collection the alias points at (None: no alias yet)."""
    if alias not in client.list_aliases().get("aliases", []):
        return None
    return str(client.describe_alias(alias)["collection_name"])


def _loaded(client: MilvusClient, name: str) -> None:
    """A collection is searchable once loaded; one written by an earlier process starts released."""
    if str(client.get_load_state(name).get("state", "")).split(".")[-1] != "Loaded":
        client.load_collection(name)


def close_client(uri: str) -> None:
    """Close this process's client of uri; for Milvus Lite also stop its in-process server, which
    frees the data folder for another process (a benchmark's serving child, a Milvus Lite server)."""
    with _clients_lock:
        client = _clients.pop(uri, None)
    if client is not None:
        client.close()
    if uri.endswith(".db"):
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(uri)


def _chunk(row: dict[str, Any]) -> Chunk:
    return Chunk(
        id=row["id"],
        text=row["text"],
        source=row["source"],
        start=int(row["start"]),
        end=int(row["end"]),
        article=row["article"],
        section=row["section"],
        places=tuple(row["places"] or ()),
        years=tuple(int(y) for y in row["years"] or ()),
        date=row["date"],
        publisher=row["publisher"],
        url=row["url"],
        lead=row["lead"],
    )


def _row(chunk: Chunk, vector: np.ndarray) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(chunk, name) for name in (*TEXT_FIELDS, "id", "start", "end")}
    row["places"] = list(chunk.places[:MAX_LIST])
    row["years"] = list(chunk.years[:MAX_LIST])
    row["place_tags"] = _tags(chunk.places)
    row["year_tags"] = _tags(chunk.years)
    row["bm25_text"] = chunk.retrieval_text().lower()  # rag/tokens.py lower-cases before it cuts
    row["dense"] = vector.astype(np.float32).tolist()
    return row


def _order(chunks: Iterable[Chunk]) -> list[Chunk]:
    """The corpus order (file, then offset): the order the FAISS store keeps them in."""
    return sorted(chunks, key=lambda c: (c.source, c.start, c.end, c.id))


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _tags(values: Iterable[object]) -> str:
    """|某市|某省|: a chunk's places or years as one string a LIKE filter matches whole."""
    return "|" + "".join(f"{v}|" for v in values)


def filter_expression(allowed: frozenset[int] | None, chunks: list[Chunk]) -> str:
    """The place and year constraint as a Milvus filter; '' for none. A plain set of positions
    (not an Allowed with its constraint) is sent as the ids it holds."""
    if allowed is None:
        return ""
    if isinstance(allowed, Allowed) and (allowed.places or allowed.years):
        parts = []
        for name, values in (("place_tags", allowed.places), ("year_tags", allowed.years)):
            if values:
                parts.append("(" + " or ".join(f"{name} like {_quote('%' + _tags([v]) + '%')}" for v in values) + ")")
        return " and ".join(parts)
    return f"id in [{', '.join(_quote(chunks[i].id) for i in sorted(allowed))}]"


@dataclass
class MilvusStore:
    """A Milvus collection, opened: its chunks (read once, in corpus order) and the hybrid search."""

    client: MilvusClient
    collection: str
    manifest: Manifest
    chunks: list[Chunk]
    path: Path | None = None
    positions: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.positions = {c.id: i for i, c in enumerate(self.chunks)}

    def hybrid_search(
        self, query: str, embedder: NamedEmbeddings, plan: SearchPlan, allowed: frozenset[int] | None
    ) -> list[Hit]:
        if allowed is not None and not allowed:
            return []  # the asked place or year has no chunk: nothing may answer
        expr = filter_expression(allowed, self.chunks)
        if plan.mode == "hybrid":
            requests = [self._dense(query, embedder, plan, expr), self._keyword(query, plan, expr)]
            # every fused candidate comes back (2 x candidates at most), then ties go to the earlier chunk
            found = self.client.hybrid_search(
                self.collection, requests, ranker=RRFRanker(plan.rrf_k), limit=2 * plan.candidates
            )[0]
            scored = [(float(h["distance"]), h["id"]) for h in found]
        else:
            request = (
                self._dense(query, embedder, plan, expr) if plan.mode == "dense" else self._keyword(query, plan, expr)
            )
            found = self.client.search(
                self.collection,
                data=request.data,
                anns_field=request.anns_field,
                search_params=request.param,
                limit=plan.candidates,
                filter=expr,
            )[0]
            # Milvus Lite gives a BM25 score as a negative distance, a server as a positive one
            scored = [
                (abs(float(h["distance"])) if plan.mode == "bm25" else float(h["distance"]), h["id"]) for h in found
            ]
        # a row added or removed by an update this process has not reloaded yet is not answered from
        ranked = sorted((-s, self.positions[i]) for s, i in scored if i in self.positions)
        return [Hit(chunk=self.chunks[pos], score=-neg, position=pos) for neg, pos in ranked[: plan.k]]

    def vectors(self, positions: list[int]) -> np.ndarray:
        ids = [self.chunks[i].id for i in positions]
        found: dict[str, np.ndarray] = {}
        for b in range(0, len(ids), BATCH):
            for r in self.client.get(self.collection, ids=ids[b : b + BATCH], output_fields=["dense"]):
                found[r["id"]] = np.asarray(r["dense"], dtype=np.float32)
        # a row an update removed since this process loaded: a zero vector, near nothing
        dim = self.manifest["embedder"]["dim"]
        return np.stack([found.get(i, np.zeros(dim, dtype=np.float32)) for i in ids])

    def _dense(self, query: str, embedder: NamedEmbeddings, plan: SearchPlan, expr: str) -> AnnSearchRequest:
        return AnnSearchRequest(
            data=[embedder.embed_question(query).tolist()],
            anns_field="dense",
            param={"metric_type": "IP", "params": self._dense_params()},
            limit=plan.candidates,
            expr=expr,
        )

    def _keyword(self, query: str, plan: SearchPlan, expr: str) -> AnnSearchRequest:
        # lower-cased as rag/tokens.py lower-cases before it cuts
        return AnnSearchRequest(
            data=[query.lower()], anns_field="sparse", param={"metric_type": "BM25"}, limit=plan.candidates, expr=expr
        )

    def _dense_params(self) -> dict[str, int]:
        spec = self.manifest["dense"]
        return {"ef": spec["ef_search"]} if spec["type"] == "hnsw" and "ef_search" in spec else {}


class MilvusBackend:
    """Build, inspect and open the Milvus collection named by the settings."""

    name = "milvus"

    def location(self, settings: Settings) -> str:
        return f"{settings.milvus_uri} (collection {collection_name(settings)})"

    def _meta(self, settings: Settings) -> str:
        return collection_name(settings) + "_meta"

    # --- the manifest, in its own small collection ---------------------------

    def _read_manifest(self, settings: Settings) -> Manifest:
        client, meta = client_for(settings.milvus_uri), self._meta(settings)
        where = self.location(settings)
        if not client.has_collection(meta) or not client.has_collection(collection_name(settings)):
            raise IndexMissingError(f"No index in Milvus at {where}. Build it with: python -m rag.ingest")
        _loaded(client, meta)
        rows = self._read_all(client, meta, ["key", "value"])
        values = {r["key"]: r["value"] for r in rows}
        if "manifest" not in values:
            raise IndexCorruptError(
                f"The index in Milvus at {where} has no manifest (a build was interrupted). "
                "Rebuild it with: python -m rag.ingest"
            )
        if values.get("schema") != str(SCHEMA_VERSION):
            raise IndexMismatchError(
                f"The index in Milvus at {where} has collection layout {values.get('schema')!r}; this code "
                f"writes layout {SCHEMA_VERSION}. Rebuild it with: python -m rag.ingest"
            )
        manifest = json.loads(values["manifest"])
        if manifest.get("format_version") != FORMAT_VERSION:
            raise IndexMismatchError(
                f"The index in Milvus at {where} has format {manifest.get('format_version')!r}; this code reads "
                f"format {FORMAT_VERSION}. Rebuild it with: python -m rag.ingest"
            )
        files = {k[5:]: v for k, v in values.items() if k.startswith("file:")}
        skipped = {k[8:]: v for k, v in values.items() if k.startswith("skipped:")}
        manifest["corpus"] = corpus_fingerprint(files, skipped)
        return cast(Manifest, manifest)  # its fields written by build() below

    def _write_manifest(self, client: MilvusClient, settings: Settings, manifest: Manifest) -> None:
        meta = self._meta(settings)
        if client.has_collection(meta):
            _loaded(client, meta)
        else:
            schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
            schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=2048)
            schema.add_field("value", DataType.VARCHAR, max_length=MAX_TEXT)
            schema.add_field("unused", DataType.FLOAT_VECTOR, dim=2)  # Milvus requires a vector field
            index = client.prepare_index_params()
            index.add_index(field_name="unused", index_type="FLAT", metric_type="L2")
            client.create_collection(meta, schema=schema, index_params=index)
        # the corpus files one row each: a city's thousands of documents fit no single field
        head = {**manifest, "corpus": {"files": {}}}
        rows: list[dict[str, Any]] = [
            {"key": "manifest", "value": json.dumps(head, ensure_ascii=False)},
            {"key": "schema", "value": str(SCHEMA_VERSION)},
        ]
        rows += [{"key": f"file:{n}", "value": h} for n, h in manifest["corpus"]["files"].items()]
        rows += [{"key": f"skipped:{n}", "value": h} for n, h in manifest["corpus"].get("skipped", {}).items()]
        keep = {r["key"] for r in rows}
        gone = [r["key"] for r in self._read_all(client, meta, ["key"]) if r["key"] not in keep]
        for row in rows:
            row["unused"] = [0.0, 0.0]
        for b in range(0, len(rows), BATCH):
            client.upsert(meta, rows[b : b + BATCH])
        if gone:
            client.delete(meta, ids=gone)
        client.flush(meta)

    def stamp(self, settings: Settings) -> str:
        try:
            m = self._read_manifest(settings)
        except Exception:  # unreachable, missing, mid-build: nothing new to load
            return ""
        return f"{m['built_at']}|{m['build_seconds']}|{m['counts']}"

    def clean(self, settings: Settings) -> None:
        """Nothing at start-up: a collection the alias does not point at may be an update running
        elsewhere (another machine). The next update drops those of interrupted ones (_drop_leftovers)."""

    def _drop_leftovers(self, client: MilvusClient, alias: str) -> None:
        """Drop the collections of interrupted updates: those of this alias it does not point at.
        Updates of one collection run one at a time (as for the FAISS folder)."""
        current = _target(client, alias)
        for name in client.list_collections():
            if name.startswith(alias + _VERSION_MARK) and name != current:
                client.drop_collection(name)

    # --- the chunk collection ------------------------------------------------

    def _create(self, client: MilvusClient, name: str, dim: int, spec: DenseInfo) -> None:
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)
        for text in TEXT_FIELDS:
            schema.add_field(text, DataType.VARCHAR, max_length=MAX_TEXT)
        schema.add_field("start", DataType.INT64)
        schema.add_field("end", DataType.INT64)
        schema.add_field("places", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=MAX_LIST, max_length=256)
        schema.add_field("years", DataType.ARRAY, element_type=DataType.INT64, max_capacity=MAX_LIST)
        # the same as strings, for the filters: Milvus Lite evaluates a LIKE on a string column in
        # pyarrow (12 ms at 10k rows) but ARRAY_CONTAINS_ANY row by row in Python (about 2 s)
        schema.add_field("place_tags", DataType.VARCHAR, max_length=MAX_TEXT)
        schema.add_field("year_tags", DataType.VARCHAR, max_length=MAX_TEXT)
        schema.add_field(
            "bm25_text", DataType.VARCHAR, max_length=MAX_TEXT, enable_analyzer=True, analyzer_params=analyzer_params()
        )
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
        schema.add_function(
            Function(
                name="bm25",
                function_type=FunctionType.BM25,
                input_field_names=["bm25_text"],
                output_field_names=["sparse"],
            )
        )
        index = client.prepare_index_params()
        if spec["type"] == "hnsw":
            params = {"M": spec["M"], "efConstruction": spec["ef_construction"]}
            index.add_index(field_name="dense", index_type="HNSW", metric_type="IP", params=params)
        else:
            index.add_index(field_name="dense", index_type="FLAT", metric_type="IP")
        # bm25s's defaults (k1 1.5, b 0.75), so both stores score alike
        index.add_index(
            field_name="sparse",
            index_type="SPARSE_INVERTED_INDEX",
            metric_type="BM25",
            params={"bm25_k1": 1.5, "bm25_b": 0.75},
        )
        client.create_collection(name, schema=schema, index_params=index)

    def _read_all(self, client: MilvusClient, name: str, fields: list[str], expr: str = "") -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        iterator = client.query_iterator(name, batch_size=BATCH * 4, filter=expr, output_fields=fields)
        try:
            while batch := iterator.next():
                rows.extend(batch)
        finally:
            iterator.close()
        return rows

    def _stored(self, client: MilvusClient, name: str) -> dict[str, Chunk]:
        return {r["id"]: _chunk(r) for r in self._read_all(client, name, list(SCALARS))}

    def _vectors(self, client: MilvusClient, name: str, ids: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for b in range(0, len(ids), BATCH):
            for r in client.get(name, ids=ids[b : b + BATCH], output_fields=["dense"]):
                out[r["id"]] = np.asarray(r["dense"], dtype=np.float32)
        return out

    def _build(
        self,
        chunks: list[Chunk],
        corpus_hashes: dict[str, str],
        embedder: NamedEmbeddings,
        chunker: ChunkerConfig,
        settings: Settings,
        progress: Callable[[int], None] | None = None,
        batch_size: int = 16,
        skipped: dict[str, str] | None = None,
    ) -> Manifest:
        """Write the chunks to a new collection, embedding only text the current one does not hold
        (the others' vectors are copied), then point the alias at it and drop the old one.

        A new collection per update, not rows changed in place: the swap is atomic (an interrupted
        update leaves the previous collection serving, as the FAISS store's folder swap does), and
        Milvus Lite's BM25 statistics, kept per segment, stay those of one segment, as bm25s's."""
        started = time.perf_counter()
        client, alias = client_for(settings.milvus_uri), collection_name(settings)
        spec = dense_spec(len(chunks))
        self._drop_leftovers(client, alias)
        old = _target(client, alias)
        stored: dict[str, str] = {}  # embedded text -> the id of a row that holds its vector
        if old is not None:
            try:
                manifest = self._read_manifest(settings)
                reusable = manifest["embedder"]["name"] == embedder.name
            except IndexMismatchError:  # another layout of the collection, or another format: embed anew
                reusable = False
            except (IndexCorruptError, IndexMissingError):  # a manifest lost: the rows are still usable
                reusable = True
            if reusable:
                _loaded(client, old)
                # keyed by the text each row was embedded from, as stored with it: a text rebuilt
                # from the stored chunk by today's rules may differ from what its vector encodes
                stored = {r["bm25_text"]: r["id"] for r in self._read_all(client, old, ["id", "bm25_text"])}

        def key(c: Chunk) -> str:
            return c.retrieval_text().lower()  # as _row stores it

        embed = [c for c in chunks if key(c) not in stored]
        if progress and len(chunks) > len(embed):
            progress(len(chunks) - len(embed))
        kept = [stored[key(c)] for c in chunks if key(c) in stored]
        held = self._vectors(client, old, kept) if old is not None else {}
        vectors = {c.id: held[stored[key(c)]] for c in chunks if key(c) in stored}
        for b in range(0, len(embed), batch_size):
            batch = embed[b : b + batch_size]
            for c, v in zip(batch, embedder.embed_passages([c.retrieval_text() for c in batch]), strict=True):
                vectors[c.id] = v
            if progress:
                progress(len(batch))
        new = f"{alias}{_VERSION_MARK}{time.strftime('%Y%m%d%H%M%S')}_{os.getpid()}"
        self._create(client, new, embedder.dim, spec)
        for b in range(0, len(chunks), BATCH):
            client.insert(new, [_row(c, vectors[c.id]) for c in chunks[b : b + BATCH]])
        client.flush(new)
        if old is None:
            if client.has_collection(alias):  # a collection of the first layout, named as the alias is now
                client.drop_collection(alias)
            client.create_alias(new, alias)
        else:
            client.alter_alias(new, alias)  # the swap: searches go to the new collection from here on
            client.drop_collection(old)
        manifest = {
            "format_version": FORMAT_VERSION,
            "embedder": {"name": embedder.name, "dim": embedder.dim},
            "chunker": chunker.as_dict(),
            "tokenizer": TOKENIZER_NAME,
            "corpus": corpus_fingerprint(corpus_hashes, skipped),
            "counts": {
                "chunks": len(chunks),
                "files": len(corpus_hashes),
                "embedded": len(embed),
                "reused": len(chunks) - len(embed),
            },
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_seconds": round(time.perf_counter() - started, 2),
            "files": {},  # nothing on disk to checksum: Milvus keeps the rows
            "dense": spec,
        }
        self._write_manifest(client, settings, manifest)  # last: a build without it is not complete
        return manifest

    def _open(self, settings: Settings, embedder: NamedEmbeddings) -> MilvusStore:
        client, name = client_for(settings.milvus_uri), collection_name(settings)
        manifest = self._read_manifest(settings)
        built_by = manifest["embedder"]["name"]
        if built_by != embedder.name:
            raise IndexMismatchError(
                f"The index in Milvus at {self.location(settings)} was built with embedder {built_by!r}, but the "
                f"configured embedder is {embedder.name!r}. Rebuild it with: python -m rag.ingest"
            )
        _loaded(client, name)
        chunks = _order(self._stored(client, name).values())
        if len(chunks) != manifest["counts"]["chunks"]:
            print(  # an update in progress elsewhere: serve what is there, the next reload completes it
                f"Milvus holds {len(chunks)} chunks, its manifest {manifest['counts']['chunks']}: an update is "
                "under way; serving the rows there now.",
                file=sys.stderr,
            )
        return MilvusStore(client, name, manifest, chunks)

    # --- the public side: Milvus's errors become one plain message --------------

    def read_manifest(self, settings: Settings) -> Manifest:
        with milvus_errors(self.location(settings)):
            return self._read_manifest(settings)

    def build(
        self,
        chunks: list[Chunk],
        corpus_hashes: dict[str, str],
        embedder: NamedEmbeddings,
        chunker: ChunkerConfig,
        settings: Settings,
        progress: Callable[[int], None] | None = None,
        batch_size: int = 16,
        skipped: dict[str, str] | None = None,
    ) -> Manifest:
        with milvus_errors(self.location(settings)):
            return self._build(chunks, corpus_hashes, embedder, chunker, settings, progress, batch_size, skipped)

    def open(self, settings: Settings, embedder: NamedEmbeddings) -> MilvusStore:
        with milvus_errors(self.location(settings)):
            return self._open(settings, embedder)
