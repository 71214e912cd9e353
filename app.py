"""Start the web chat on localhost: python app.py [--kiosk] [--port N] [--host H]

The design card's entry point, the same as `minsheng serve` (rag/serve.py): builds the
pipeline once (and the index first, if it is missing or stale), builds the page from
rag/web/, and serves it. Nothing is fetched from the network.
"""

from __future__ import annotations

import sys

from rag.serve import main

if __name__ == "__main__":
    sys.exit(main())
