"""Compiling the agents against human-reviewed samples into stored program versions.

Public API: compile.compile_program and CompileOptions, optimizers.Budget and OPTIMIZERS, versions.load_program,
errors.OptimizeError. A build loads a version with benchagent.program.compiled.apply_program.
"""
