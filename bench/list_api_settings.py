"""Settings for bench/bench_list_api.py only: the product's settings with a URLconf that
adds the bare "floor" view. Never used by the product."""

from gongjian.settings import *  # noqa: F403

ROOT_URLCONF = "bench.list_api_urls"
