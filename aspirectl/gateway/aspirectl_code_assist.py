"""LiteLLM custom provider for Google Code Assist (gemini-cli's OAuth free tier).

LiteLLM has no provider for Code Assist's v1internal API. `aspirectl chains export --write DIR`
puts this file beside config.yaml, and the config names it in
``litellm_settings.custom_provider_map``. Deployments ``code-assist/<model>`` then call
``POST {api_base}/v1internal:loadCodeAssist`` (the managed project) and
``:generateContent`` with the OAuth access token as a Bearer. The token belongs to the
gateway: this handler never refreshes it. Errors carry the upstream status, so LiteLLM's
router falls back exactly as it does for its own providers.

Imports only what the gateway already has (litellm, httpx).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
from litellm import CustomLLM
from litellm.llms.custom_llm import CustomLLMError

METADATA = {"ideType": "IDE_UNSPECIFIED", "platform": "PLATFORM_UNSPECIFIED", "pluginType": "GEMINI"}


def _contents(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for message in messages:
        content = message.get("content")
        text = content if isinstance(content, str) else " ".join(
            part.get("text", "") for part in content or [] if isinstance(part, dict))
        out.append({"role": "model" if message.get("role") == "assistant" else "user",
                    "parts": [{"text": text or ""}]})
    return out


def _raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        error = response.json().get("error", {})
        message = f"{error.get('status', '')}: {error.get('message', '')}".strip(": ")
    except ValueError:
        message = response.text[:300]
    raise CustomLLMError(status_code=response.status_code, message=f"CodeAssistException - {message}")


class CodeAssist(CustomLLM):
    def _requests(self, model: str, messages: list, api_base: str, api_key: str,
                  optional_params: dict) -> tuple[str, dict[str, str], dict[str, Any]]:
        if not api_key:
            raise CustomLLMError(status_code=401, message="CodeAssistException - no OAuth access token")
        base = (api_base or "https://cloudcode-pa.googleapis.com").rstrip("/")
        headers = {"authorization": f"Bearer {api_key}", "content-type": "application/json"}
        config: dict[str, Any] = {}
        limit = optional_params.get("max_tokens") or optional_params.get("max_completion_tokens")
        if limit:
            config["maxOutputTokens"] = int(limit)
        body = {"model": model.split("/", 1)[-1], "user_prompt_id": str(uuid.uuid4()),
                "request": {"contents": _contents(messages), "generationConfig": config}}
        return base, headers, body

    def _fill(self, model_response: Any, model: str, data: dict[str, Any]) -> Any:
        candidate = (data.get("response", {}).get("candidates") or [{}])[0]
        parts = (candidate.get("content") or {}).get("parts") or []
        text = "".join(part.get("text", "") for part in parts if isinstance(part, dict))
        reason = {"MAX_TOKENS": "length", "STOP": "stop"}.get(candidate.get("finishReason", ""), "stop")
        model_response.choices[0].message.content = text
        model_response.choices[0].finish_reason = reason
        model_response.model = model.split("/", 1)[-1]
        model_response.created = int(time.time())
        return model_response

    def completion(self, model: str, messages: list, api_base: str, custom_prompt_dict: dict,
                   model_response: Any, print_verbose: Any, encoding: Any, api_key: Any, logging_obj: Any,
                   optional_params: dict, acompletion: Any = None, litellm_params: Any = None,
                   logger_fn: Any = None, headers: Any = None, timeout: Any = None,
                   client: Any = None) -> Any:
        base, auth, body = self._requests(model, messages, api_base, api_key, optional_params)
        with httpx.Client(timeout=timeout or 60) as http:
            load = http.post(f"{base}/v1internal:loadCodeAssist", headers=auth, json={"metadata": METADATA})
            _raise_for(load)
            body["project"] = load.json().get("cloudaicompanionProject")
            answer = http.post(f"{base}/v1internal:generateContent", headers=auth, json=body)
            _raise_for(answer)
            return self._fill(model_response, model, answer.json())

    async def acompletion(self, model: str, messages: list, api_base: str, custom_prompt_dict: dict,
                          model_response: Any, print_verbose: Any, encoding: Any, api_key: Any,
                          logging_obj: Any, optional_params: dict, acompletion: Any = None,
                          litellm_params: Any = None, logger_fn: Any = None, headers: Any = None,
                          timeout: Any = None, client: Any = None) -> Any:
        base, auth, body = self._requests(model, messages, api_base, api_key, optional_params)
        async with httpx.AsyncClient(timeout=timeout or 60) as http:
            load = await http.post(f"{base}/v1internal:loadCodeAssist", headers=auth,
                                   json={"metadata": METADATA})
            _raise_for(load)
            body["project"] = load.json().get("cloudaicompanionProject")
            answer = await http.post(f"{base}/v1internal:generateContent", headers=auth, json=body)
            _raise_for(answer)
            return self._fill(model_response, model, answer.json())


handler = CodeAssist()
