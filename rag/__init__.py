"""民生问答: grounded answers about a city's public services, from its official articles.

Pipeline stages, one module each:
loader (files -> paragraphs) -> chunker (paragraphs -> chunks) -> embedders ->
store (FAISS + BM25 + manifest on disk) -> retriever (hybrid search) ->
answer (extractive reply, figure guard, refusal) -> pipeline (wires them once).
"""
