"""The embedded SQLite schema: LiteLLM's three key tables (and its audit log) with the same
names, columns and defaults, in SQLite types (arrays and JSON as JSON text)."""

_KEY_COLUMNS = """
    key_name TEXT,
    key_alias TEXT,
    soft_budget_cooldown INTEGER NOT NULL DEFAULT 0,
    spend REAL NOT NULL DEFAULT 0.0,
    expires TEXT,
    models TEXT,
    aliases TEXT NOT NULL DEFAULT '{}',
    config TEXT NOT NULL DEFAULT '{}',
    user_id TEXT,
    team_id TEXT,
    permissions TEXT NOT NULL DEFAULT '{}',
    max_parallel_requests INTEGER,
    metadata TEXT NOT NULL DEFAULT '{}',
    blocked INTEGER,
    tpm_limit INTEGER,
    rpm_limit INTEGER,
    tpd_limit INTEGER,
    max_budget REAL,
    budget_duration TEXT,
    budget_reset_at TEXT,
    allowed_cache_controls TEXT DEFAULT '[]',
    allowed_routes TEXT DEFAULT '[]',
    model_spend TEXT NOT NULL DEFAULT '{}',
    model_max_budget TEXT NOT NULL DEFAULT '{}',
    budget_id TEXT,
    organization_id TEXT,
    object_permission_id TEXT,
    project_id TEXT,
    created_by TEXT,
    updated_at TEXT DEFAULT CURRENT_TIMESTAMP,
    updated_by TEXT,
    rotation_count INTEGER DEFAULT 0,
    auto_rotate INTEGER DEFAULT 0,
    rotation_interval TEXT,
    last_rotation_at TEXT,
    key_rotation_at TEXT,
    router_settings TEXT DEFAULT '{}',
    policies TEXT DEFAULT '[]',
    access_group_ids TEXT DEFAULT '[]',
    last_active TEXT,
    key_type TEXT,
    settings_updated_at TEXT,
    total_spend REAL NOT NULL DEFAULT 0.0"""

# LiteLLM's request log (schema.prisma, model LiteLLM_SpendLogs) and error log, as the proxy
# writes them: `aspirectl usage` reads them; the demo fills them with a week of the seed state.
SPEND_SCHEMA = """
CREATE TABLE IF NOT EXISTS "LiteLLM_SpendLogs" (
    request_id TEXT PRIMARY KEY,
    call_type TEXT NOT NULL,
    api_key TEXT NOT NULL DEFAULT '',
    spend REAL NOT NULL DEFAULT 0.0,
    total_tokens INTEGER NOT NULL DEFAULT 0,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    "startTime" TEXT NOT NULL,
    "endTime" TEXT NOT NULL,
    request_duration_ms INTEGER,
    "completionStartTime" TEXT,
    model TEXT NOT NULL DEFAULT '',
    model_id TEXT DEFAULT '',
    model_group TEXT DEFAULT '',
    custom_llm_provider TEXT DEFAULT '',
    api_base TEXT DEFAULT '',
    "user" TEXT DEFAULT '',
    metadata TEXT DEFAULT '{}',
    cache_hit TEXT DEFAULT '',
    cache_key TEXT DEFAULT '',
    request_tags TEXT DEFAULT '[]',
    team_id TEXT,
    organization_id TEXT,
    end_user TEXT,
    requester_ip_address TEXT,
    messages TEXT DEFAULT '{}',
    response TEXT DEFAULT '{}',
    session_id TEXT,
    status TEXT,
    proxy_server_request TEXT DEFAULT '{}',
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    updated_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS "LiteLLM_SpendLogs_startTime_idx" ON "LiteLLM_SpendLogs" ("startTime");
CREATE INDEX IF NOT EXISTS "LiteLLM_SpendLogs_api_key_startTime_idx"
    ON "LiteLLM_SpendLogs" (api_key, "startTime");

CREATE TABLE IF NOT EXISTS "LiteLLM_ErrorLogs" (
    request_id TEXT PRIMARY KEY,
    "startTime" TEXT NOT NULL,
    "endTime" TEXT NOT NULL,
    api_base TEXT NOT NULL DEFAULT '',
    model_group TEXT NOT NULL DEFAULT '',
    litellm_model_name TEXT NOT NULL DEFAULT '',
    model_id TEXT NOT NULL DEFAULT '',
    request_kwargs TEXT NOT NULL DEFAULT '{}',
    exception_type TEXT NOT NULL DEFAULT '',
    exception_string TEXT NOT NULL DEFAULT '',
    status_code TEXT NOT NULL DEFAULT ''
);
"""

SQLITE_SCHEMA = f"""
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS "LiteLLM_VerificationToken" (
    token TEXT PRIMARY KEY,{_KEY_COLUMNS},
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS "LiteLLM_VerificationToken_key_alias_idx"
    ON "LiteLLM_VerificationToken" (key_alias);
CREATE INDEX IF NOT EXISTS "LiteLLM_VerificationToken_created_at_idx"
    ON "LiteLLM_VerificationToken" (created_at, token);

CREATE TABLE IF NOT EXISTS "LiteLLM_DeprecatedVerificationToken" (
    id TEXT PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    active_token_id TEXT NOT NULL,
    revoke_at TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS "LiteLLM_DeprecatedVerificationToken_revoke_at_idx"
    ON "LiteLLM_DeprecatedVerificationToken" (revoke_at);

CREATE TABLE IF NOT EXISTS "LiteLLM_DeletedVerificationToken" (
    id TEXT PRIMARY KEY,
    token TEXT NOT NULL,{_KEY_COLUMNS},
    created_at TEXT,
    deleted_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_by TEXT,
    deleted_by_api_key TEXT,
    litellm_changed_by TEXT
);
CREATE INDEX IF NOT EXISTS "LiteLLM_DeletedVerificationToken_token_idx"
    ON "LiteLLM_DeletedVerificationToken" (token);
CREATE INDEX IF NOT EXISTS "LiteLLM_DeletedVerificationToken_key_alias_idx"
    ON "LiteLLM_DeletedVerificationToken" (key_alias);

CREATE TABLE IF NOT EXISTS "LiteLLM_AuditLog" (
    id TEXT PRIMARY KEY,
    updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    changed_by TEXT NOT NULL DEFAULT '',
    changed_by_api_key TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    table_name TEXT NOT NULL,
    object_id TEXT NOT NULL,
    before_value TEXT,
    updated_values TEXT
);
{SPEND_SCHEMA}
COMMIT;
"""
