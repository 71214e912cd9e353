"""Domain errors. Each message names the bad value and says how to fix it.

The edges (CLI, Gradio app) turn these into plain messages; nothing below them
prints or exits.
"""


class RagError(Exception):
    """Base class for errors a user or maintainer can act on."""


class CorpusError(RagError):
    """A source file is missing, empty, unreadable or not text."""


class IndexMissingError(RagError):
    """No index has been built yet in the expected folder."""


class IndexMismatchError(RagError):
    """The index on disk was built by another embedder or format version."""


class IndexCorruptError(RagError):
    """The index files exist but cannot be read."""


class StoreUnavailableError(RagError):
    """The configured store (a Milvus server) cannot be reached or refused a request."""


class ModelUnavailableError(RagError):
    """An embedding model cannot be loaded (not installed, or not available offline)."""


class BackendUnavailableError(RagError):
    """An optional backend is configured but its package (an install extra) is missing."""


class SettingsError(RagError):
    """A setting (an option, a MINSHENG_* variable) has a value that cannot work."""


class UsageError(RagError):
    """A command line that asks for something impossible (e.g. no question to answer)."""


class ServerError(RagError):
    """The web server cannot start (e.g. the port is taken)."""
