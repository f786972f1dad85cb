"""What we know about LiteLLM, in one place: its releases and what each does (``releases``),
what its errors say (``errors``), and how aspirectl names hops and credentials in it
(``naming``). Routing, the gateway commands, keys, usage, the graph, the
probe's LiteLLM and gateway protocols and the sandbox read it from here.

(Inside this package, ``import litellm`` would still be LiteLLM itself: imports are absolute.)
"""
