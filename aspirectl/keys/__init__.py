"""Virtual keys in the gateway's database, written exactly as LiteLLM writes and reads them."""
