"""What LiteLLM's errors say, as LiteLLM's own code writes them: its exception classes and the
status each stands for, the proxy's own refusal types, and the provider prefix before a wrapped
provider error ("AnthropicException - {...}", "DashscopeException - ...").

Read by the probe's LiteLLM and gateway protocols, by routing (what the gateway answers when
nothing serves) and by usage (which rows are the gateway's own refusals).
"""

from __future__ import annotations

import re

from aspirectl.catalog.model import Protocol

# The exception class LiteLLM names for a status it passes on (litellm/exceptions.py; the first
# of a status is the one ``class_for_status`` names: 500 is InternalServerError).
CLASS_STATUS: dict[str, int] = {
    "BadRequestError": 400, "AuthenticationError": 401, "PaymentRequiredError": 402,
    "PermissionDeniedError": 403, "NotFoundError": 404, "Timeout": 408, "RateLimitError": 429,
    "InternalServerError": 500, "APIError": 500, "BadGatewayError": 502, "ServiceUnavailableError": 503,
}


def class_for_status(status: int) -> str | None:
    """The exception class LiteLLM names for a status it passes on (the first, for 500)."""
    return next((cls for cls, known in CLASS_STATUS.items() if known == status), None)


# LiteLLM's ProxyErrorTypes (1.108.7 proxy/_types.py) that refuse the caller's key, and those
# that refuse it a model: decisions of the proxy itself, not of an upstream behind it.
KEY_REFUSALS = frozenset({"auth_error", "expired_key", "token_not_found_in_db", "no_db_connection"})
MODEL_ACCESS_DENIED = frozenset({"key_model_access_denied", "team_model_access_denied",
                                 "user_model_access_denied", "org_model_access_denied",
                                 "project_model_access_denied"})

# The proxy's own limits on the caller's key, as the real proxy answers them (captured from
# 1.80.0, 1.85.0 and 1.108.7: tests/recorded/litellm-refusals/): its budget, typed
# "budget_exceeded" ("Budget has been exceeded! ...", 400 on 1.80.0, 429 on 1.85.0, 422 on
# 1.108.7), and its rate limit, 429 "Rate limit exceeded for api_key: <hash>. Limit type: ..."
# (typed throttling_error on 1.108.7, "None" before). An upstream's budget relayed through a
# LiteLLM in front is its exception text ("litellm.BadRequestError: OpenAIException - Budget
# has been exceeded! ...", tests/recorded/litellm-proxy/*-out-of-credit-chat-qwen-3.6.json),
# 1.108.7 typing it budget_exceeded too: never the caller's own limit.
CALLER_BUDGET, CALLER_RATE = "budget", "rate"
_CALLER_RATE = re.compile(r"Rate limit exceeded for api_key\b")


def caller_limit(status: int, error_type: str | None, message: str) -> str | None:
    """CALLER_BUDGET or CALLER_RATE when the proxy refused the caller's key for its own budget
    or rate limit, else None."""
    text = message.lstrip()
    if text.startswith("litellm."):  # an exception from behind the proxy, relayed
        return None
    if error_type == "budget_exceeded":
        return CALLER_BUDGET
    return CALLER_RATE if status == 429 and _CALLER_RATE.match(text) else None


CALLER_KEY, CALLER_MODEL = "key", "model"


def caller_refusal(status: int, error_type: str | None, message: str) -> str | None:
    """What the proxy itself refused the caller for, before any upstream: its key (CALLER_KEY:
    unknown, malformed, blocked, expired, or no database to check it), a model group the key
    may not use (CALLER_MODEL), the key's own budget or rate limit (caller_limit); None for an
    answer about the upstream. The one reading of "the gateway refused aspirectl's key" for
    the hop probe and the gateway check (tests/recorded/litellm-refusals/, three releases)."""
    if error_type in KEY_REFUSALS:
        return CALLER_KEY
    if error_type in MODEL_ACCESS_DENIED:
        return CALLER_MODEL
    return caller_limit(status, error_type, message)

# Every provider LiteLLM knows (``litellm.provider_list`` of 1.80.0, 1.85.0 and 1.108.7, held
# to each installed release by tests/test_relayed.py). exception_mapping_utils.py names a
# wrapped error "<Provider>Exception - " from the provider's name (its first letter upper-cased;
# "OpenAIException" for openai), or by a literal of its own (below).
PROVIDERS: frozenset[str] = frozenset({
    "a2a", "a2a_agent", "ai21", "ai21_chat", "aiml", "aiohttp_openai", "amazon_nova", "anthropic",
    "anthropic_text", "apertis", "assemblyai", "auto_router", "aws_polly", "aws_textract", "azure",
    "azure_ai", "azure_speech", "azure_text", "baseten", "bedrock", "bedrock_mantle", "bespoke",
    "black_forest_labs", "bytez", "cerebras", "charity_engine", "chatgpt", "chutes", "clarifai",
    "cloudflare", "codestral", "cognition", "cohere", "cohere_chat", "cometapi", "compactifai",
    "coralbricks", "cortecs", "cursor", "custom", "custom_openai", "darkbloom", "dashscope",
    "databricks", "databricks_agent", "datarobot", "deepgram", "deepinfra", "deepseek",
    "docker_model_runner", "dotprompt", "edenai", "elevenlabs", "empower", "fal_ai", "featherless_ai",
    "fireworks_ai", "friendliai", "galadriel", "gdc", "gemini", "gigachat", "github", "github_copilot",
    "gradient_ai", "groq", "helicone", "heroku", "hosted_vllm", "huggingface", "humanloop",
    "hyperbolic", "inception", "inferenceapis", "infinity", "jina_ai", "lambda_ai", "langflow",
    "langfuse", "langgraph", "laya", "lemonade", "libertai", "litellm_agent", "litellm_proxy",
    "llamafile", "lm_studio", "manus", "maritalk", "meta", "meta_llama", "microsoft_365_copilot",
    "milvus", "minimax", "mistral", "modelscope", "mongodb", "moonshot", "morph", "nadir", "nano-gpt",
    "nebius", "neosantara", "nlp_cloud", "novita", "nscale", "nvidia_nim", "nvidia_riva", "oci",
    "ollama", "ollama_chat", "oobabooga", "openai", "openai_like", "openrouter", "ovhcloud",
    "parasail", "perplexity", "petals", "pg_vector", "pinstripes", "poe", "predibase", "prism",
    "publicai", "qwen_ai_platform", "qwencloud", "ragflow", "recraft", "reducto", "reka", "replicate",
    "runwayml", "s3_vectors", "sagemaker", "sagemaker_chat", "sagemaker_nova", "sail", "sambanova",
    "sap", "scaledown", "scaleway", "scx-ai", "snowflake", "soniox", "stability", "strands_decider",
    "synthetic", "tencent", "tensormesh", "text-completion-codestral", "text-completion-inception",
    "text-completion-openai", "together_ai", "topaz", "transcribe", "triton", "typesafe", "v0",
    "valkey", "vercel_ai_gateway", "vertex_ai", "vertex_ai_beta", "vllm", "volcengine", "voyage",
    "wandb", "watsonx", "watsonx_text", "xai", "xiaomi_mimo", "xinference", "zai",
})
# The literal prefixes exception_mapping_utils.py and the provider modules write besides those
# ("AnthropicError - " for an overload on 1.108.7, "Cloudflare Exception - ", "VertexAIException").
LITERAL_PREFIXES = frozenset({"alephalpha", "nlpcloud", "togetherai", "vertexai", "vllm", "codeassist"})

# Which wire protocol reads a wrapped provider error: the provider's own. Every other provider
# LiteLLM knows speaks the OpenAI envelope (or only words, read inside it). "codeassist" is
# aspirectl's own Code Assist provider for the gateway (gateway/aspirectl_code_assist.py),
# which puts Google's error body after its prefix.
_PROTOCOL = {"anthropic": Protocol.ANTHROPIC, "anthropictext": Protocol.ANTHROPIC, "gemini": Protocol.GEMINI,
             "vertexai": Protocol.GEMINI, "vertexaibeta": Protocol.GEMINI, "codeassist": Protocol.CODE_ASSIST}


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


_KNOWN = frozenset(_norm(p) for p in PROVIDERS) | LITERAL_PREFIXES

# "XException - ", "XError - ", "X Exception - ", "GeminiException BadRequestError - "
PREFIX = re.compile(r"\b([A-Za-z][A-Za-z0-9_-]{1,40}?) ?(?:Exception|Error)(?: [A-Za-z]+Error)? - ")


def provider_protocol(name: str) -> Protocol | None:
    """The wire protocol of an error wrapped under this provider prefix, or None when the name
    is no provider LiteLLM knows (then the text is no wrapped provider error)."""
    key = _norm(name)
    if key not in _KNOWN:
        return None
    return _PROTOCOL.get(key, Protocol.OPENAI)


def find_provider(text: str) -> tuple[Protocol, int] | None:
    """The wire protocol and the offset after the first provider prefix in ``text``."""
    for found in PREFIX.finditer(text):
        module = provider_protocol(found.group(1))
        if module is not None:
            return module, found.end()
    return None
