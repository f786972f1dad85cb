"""LiteLLM custom provider for Google Code Assist (gemini-cli's OAuth free tier).

LiteLLM has no provider for Code Assist's v1internal API. `aspirectl chains export --write DIR`
puts this file beside config.yaml, and the config names it in
``litellm_settings.custom_provider_map``. Deployments ``code-assist/<model>`` then call
``POST {api_base}/v1internal:loadCodeAssist`` (the managed project) and
``:generateContent`` with the OAuth access token as a Bearer. The token belongs to the
gateway: this handler never refreshes it. An upstream error is raised as LiteLLM's own
exception class for its status (RateLimitError for 429, ...), with Google's error body after
"CodeAssistException - ": LiteLLM's router falls back and the proxy answers exactly as for its
own providers, on every release (a CustomLLMError was wrapped as a 500 APIConnectionError with
a Python traceback by 1.80.0 and 1.85.0: recorded), and aspirectl reads the body inside.

Imports only what the gateway already has (litellm, httpx).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import litellm
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


# LiteLLM's exception class for an upstream status (litellm/exceptions.py: the same names and
# keyword arguments in 1.80.0, 1.85.0 and 1.108.7).
_CLASS_FOR = {400: "BadRequestError", 401: "AuthenticationError", 403: "PermissionDeniedError",
              404: "NotFoundError", 429: "RateLimitError", 500: "InternalServerError",
              502: "BadGatewayError", 503: "ServiceUnavailableError"}
_MAX_BODY = 2000


def _raise(status: int, detail: str, response: httpx.Response, model: str) -> None:
    message = f"CodeAssistException - {detail}"
    name = _CLASS_FOR.get(status) or ("InternalServerError" if status >= 500 else "")
    if not name:
        raise CustomLLMError(status_code=status, message=message)
    raise getattr(litellm, name)(message=message, llm_provider="code-assist", model=model, response=response)


def _raise_for(response: httpx.Response, model: str) -> None:
    if response.status_code < 400:
        return
    text = response.text[:_MAX_BODY]  # Google's own error body, read by aspirectl as it is
    _raise(response.status_code, " ".join(text.split()) or f"HTTP {response.status_code}", response, model)


class CodeAssist(CustomLLM):
    def _requests(self, model: str, messages: list, api_base: str, api_key: str,
                  optional_params: dict) -> tuple[str, dict[str, str], dict[str, Any]]:
        base = (api_base or "https://cloudcode-pa.googleapis.com").rstrip("/")
        if not api_key:
            refused = httpx.Response(401, request=httpx.Request("POST", f"{base}/v1internal:generateContent"))
            _raise(401, "no OAuth access token", refused, model)
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
            _raise_for(load, model)
            body["project"] = load.json().get("cloudaicompanionProject")
            answer = http.post(f"{base}/v1internal:generateContent", headers=auth, json=body)
            _raise_for(answer, model)
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
            _raise_for(load, model)
            body["project"] = load.json().get("cloudaicompanionProject")
            answer = await http.post(f"{base}/v1internal:generateContent", headers=auth, json=body)
            _raise_for(answer, model)
            return self._fill(model_response, model, answer.json())


handler = CodeAssist()
