"""Import a provider class named in config as 'module:ClassName'."""

import importlib

from .errors import UnderstandingConfigError


def import_class(path, what: str):
    """Import `module:ClassName` named in config, with an error that says what to install."""
    if not isinstance(path, str) or path.count(":") != 1 or not all(path.split(":")):
        raise UnderstandingConfigError(
            f"{what}.class must look like 'module:ClassName' (e.g. 'langchain_openai:ChatOpenAI'), got {path!r}"
        )
    module_name, class_name = path.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        distribution = module_name.split(".")[0].replace("_", "-")
        raise UnderstandingConfigError(
            f"Cannot import {module_name} for {what}.class ({exc}); install it, e.g. pip install {distribution}"
        ) from None
    try:
        return getattr(module, class_name)
    except AttributeError:
        raise UnderstandingConfigError(f"{module_name} has no {class_name} (from {what}.class {path!r})") from None


def instantiate(spec: dict, what: str, base: type, base_label: str):
    """Create the `class` of a `{"provider": "langchain", ...}` spec with its `kwargs`."""
    cls = import_class(spec.get("class"), what)
    kwargs = spec.get("kwargs") or {}
    if not isinstance(kwargs, dict):
        raise UnderstandingConfigError(f"{what}.kwargs must be a mapping of constructor arguments")
    try:
        instance = cls(**kwargs)
    except Exception as exc:
        raise UnderstandingConfigError(
            f"Could not create {what} {spec['class']}: {exc}. Check {what}.kwargs "
            "(and any API key environment variable the provider needs)."
        ) from exc
    if not isinstance(instance, base):
        raise UnderstandingConfigError(f"{spec['class']} is not a {base_label}; name a {what} class in {what}.class")
    return instance
