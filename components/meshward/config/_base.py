"""The base every stack-config model shares: strict, frozen, camelCase in YAML."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class ConfigModel(BaseModel):
    """A strict, immutable piece of stack configuration.

    Keys are camelCase in `Pulumi.<stack>.yaml` (Pulumi's own convention) and snake_case in
    Python; unknown keys are errors so that a typo never silently falls back to a default.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        use_attribute_docstrings=True,
        use_enum_values=False,
    )
