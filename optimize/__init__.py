"""Compiling the agents against human-reviewed samples into stored program versions.

Public API: compile.compile_program and CompileOptions, compiler.ReviewCompiler, optimizers.Budget and OPTIMIZERS,
errors.OptimizeError. A program version loads into a benchagent.program.agent.BenchmarkAgent with its load_state.
"""
