"""民生问答: grounded answers about Zhengzhou's public services.

Pipeline stages, one module each:
loader (files -> paragraphs) -> chunker (paragraphs -> chunks) -> embedders ->
store (FAISS + BM25 + manifest on disk) -> retriever (hybrid search) ->
answer (extractive reply, figure guard, refusal) -> pipeline (wires them once).
"""
