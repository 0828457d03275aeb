"""The project's exceptions: one base, a few subclasses, messages that name the culprit.

Every user-facing error, here and in the runtime, derives from UserError
(ingen_fab.runtime.errors): the CLI prints its one-line message and exits 1. The runtime's own
(it runs inside Fabric notebooks and never imports this module) are RuntimeSetupError (local
Spark + Delta cannot start), DdlScriptError and the ingestion engine's IngestionError, whose
ConfigError names a config row's config_id and column.
"""

from ingen_fab.runtime.errors import UserError


class IngenFabError(UserError):
    """A user-facing error raised outside the runtime: the CLI prints its message, exits 1."""


class CompileError(IngenFabError):
    """A template, ddl script or environment file cannot be compiled."""


class ProjectFileError(IngenFabError):
    """A project file (flat_file_ingestion.toml, a setting of the environment) is invalid."""


class RunError(IngenFabError):
    """A notebook or script failed while running."""


class SyntheticDataError(IngenFabError):
    """Synthetic data cannot be generated or validated as asked."""
