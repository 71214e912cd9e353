"""The naive baseline: RAG the way a LangChain tutorial does it.

Load the file whole, split it with langchain_text_splitters'
RecursiveCharacterTextSplitter (default settings unless told otherwise: 4000
characters, 200 overlap, separators "\\n\\n", "\\n", " ", ""), embed the pieces
with the same e5 model, put them in a flat FAISS index with L2 distance
(LangChain's FAISS default), and return the top 4 pieces as "the answer": the
answer text is the pieces joined, its citations are the pieces. No follow-up
resolution, no refusal, no figure check. Scored by the same metrics as the
assistant, so the gap to the naive approach is measured.

faiss is used directly: langchain_community's FAISS wrapper pickles its docstore
(CVE-2024-5998) and is not a dependency of this project.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
from langchain_text_splitters import RecursiveCharacterTextSplitter

from evals.dataset import corpus_texts
from evals.records import Passage, Reply

TUTORIAL_K = 4


class LangChainBaseline:
    def __init__(
        self,
        corpus_dir: Path,
        embeddings,
        splitter_kwargs: dict | None = None,
        k: int = TUTORIAL_K,
        name: str = "baseline",
    ):
        self.name, self.k, self.embeddings = name, k, embeddings
        self.splitter_kwargs = dict(splitter_kwargs or {})
        # add_start_index only records where each piece starts; it does not change the split.
        splitter = RecursiveCharacterTextSplitter(add_start_index=True, **self.splitter_kwargs)
        texts = corpus_texts(corpus_dir)
        docs = splitter.create_documents(list(texts.values()), metadatas=[{"source": s} for s in texts])
        self.passages = [
            Passage(
                d.page_content,
                d.metadata["source"],
                d.metadata["start_index"],
                d.metadata["start_index"] + len(d.page_content),
            )
            for d in docs
        ]
        self.chunk_size, self.chunk_overlap = splitter._chunk_size, splitter._chunk_overlap
        vectors = np.asarray(embeddings.embed_documents([p.text for p in self.passages]), dtype=np.float32)
        self.index = faiss.IndexFlatL2(vectors.shape[1])
        self.index.add(vectors)

    def search(self, query: str, k: int) -> list[Passage]:
        q = np.asarray([self.embeddings.embed_query(query)], dtype=np.float32)
        _, ids = self.index.search(q, min(k, self.index.ntotal))
        return [self.passages[i] for i in ids[0] if i >= 0]

    def standalone(self, question: str, history: list[str]) -> str:
        return question  # a tutorial chain sends the question as asked

    def ask(self, question: str, history: list[str]) -> Reply:
        top = self.search(question, self.k)
        return Reply("\n\n".join(p.text for p in top), refused=False, citations=tuple(top), reason="top_k_chunks")

    def describe(self) -> dict:
        return {
            "system": "langchain-baseline",
            "name": self.name,
            "splitter": f"RecursiveCharacterTextSplitter(chunk_size={self.chunk_size}, chunk_overlap={self.chunk_overlap})",
            "chunks": len(self.passages),
            "embedder": getattr(self.embeddings, "name", type(self.embeddings).__name__),
            "vector_store": "faiss.IndexFlatL2",
            "top_k": self.k,
        }
