"""End-to-end: the real pyfpm behind a real Apache (mod_proxy_fcgi), configured from
docs/frontends/ (see cases.py for what is checked)."""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cases  # noqa: E402

if __name__ == "__main__":
    sys.exit(cases.main("apache"))
