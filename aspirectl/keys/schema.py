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
COMMIT;
"""
