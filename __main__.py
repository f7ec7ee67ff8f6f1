"""The meshward Pulumi program: load config, build the platform, export its outputs.

`pulumi up` runs this file; `meshward plan` runs the very same file under Pulumi's mock engine.
"""

import pulumi

from components import Platform
from components.stack import load_platform_config, load_seed_secrets

config = load_platform_config()
platform = Platform(
    f"{config.prefix}-{config.environment}",
    {"config": config, "seed_secrets": load_seed_secrets(config)},
)
pulumi.export("resourceGroupName", platform.resource_group_name)
