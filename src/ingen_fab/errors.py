"""The project's exceptions: one base, a few subclasses, messages that name the culprit.

Code under runtime/ (it runs inside Fabric notebooks) has its own: RuntimeSetupError (local
Spark + Delta cannot start) and the ingestion engine's IngestionError, ConfigError among them.
The CLI maps those to exit 1 as well (cli/main.py RUNTIME_USER_ERRORS).
"""


class IngenFabError(Exception):
    """A user-facing error: the CLI prints its one-line message and exits 1."""


class CompileError(IngenFabError):
    """A template, ddl script or environment file cannot be compiled."""


class ConfigError(IngenFabError):
    """A config row or project file is invalid."""


class RunError(IngenFabError):
    """A notebook or script failed while running."""


class SyntheticDataError(IngenFabError):
    """Synthetic data cannot be generated or validated as asked."""
