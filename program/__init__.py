"""The agents as DSPy modules, the pure tools, the sources, and one resumable build."""
