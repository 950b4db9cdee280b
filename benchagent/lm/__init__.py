"""The language model: the embedded GGUF file (model_file), llama.cpp in-process (llama_engine), the DSPy LM and its
cache (tracked_lm), and choosing one from --model/--api-base (select)."""
