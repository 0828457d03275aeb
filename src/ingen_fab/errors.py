"""The project's exceptions: one base, a few subclasses, messages that name the culprit."""


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
