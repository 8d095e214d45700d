"""The deterministic generator of a landing folder and its ground truth (`dcw generate`).

See docs/generator.md for how it models the channel and what it injects."""

from pipelines.synth.generator import generate
from pipelines.synth.params import GeneratorParams, InjectionRates

__all__ = ["GeneratorParams", "InjectionRates", "generate"]
