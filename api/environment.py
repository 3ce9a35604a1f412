"""The environment variables ``smqi`` reads (in ``api.cli``, and there only), with what each
sets. A module of its own, with no imports, so that every command's help can list them
without loading the server."""

ENVIRONMENT_VARIABLES = {
    "SMQI_RELOAD_TOKEN": "bearer token that enables POST /admin/reload (unset: no write endpoint)",
    "SMQI_STORE_DIR": "directory of the embedded store (default PROJECT/var/store)",
    "SMQI_ENDPOINT": "query URL of a remote SPARQL 1.1 store (instead of the embedded one)",
    "SMQI_UPDATE_ENDPOINT": "update URL of the remote store (needed to load builds into it)",
    "SMQI_QUERY_TIMEOUT": "seconds a query may run (default 10)",
    "SMQI_MAX_ROWS": "most rows a SELECT returns (default 10000)",
    "SMQI_ANSWER_TTL": "remote store that others write to: renew cached answers every N seconds",
    "SMQI_PUBLIC_URL": "the URL this server is reached at, for links",
}
